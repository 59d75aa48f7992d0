using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Messaging.Client;

/// <summary>
/// The bus every Messaging service shares, workers and requesters alike: one transport choice, one naming of queues
/// and exchanges, so a requester's consumers meet the worker's events.
/// </summary>
public static class MessagingBusExtensions
{
    /// <summary>
    /// The bus alone: RabbitMQ when <c>Bus:RabbitMqUrl</c> is set, else MassTransit's in-memory transport (one
    /// process). Queues are named in kebab case after their consumers (<c>interaction-requested</c>), exchanges
    /// after the message types (<c>Messaging.Contracts:InteractionRequested</c>), both with <c>Bus:NamePrefix</c> in
    /// front when set; every registered consumer gets its endpoint.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The host's configuration.</param>
    /// <param name="configure">Registers consumers, sagas and settings.</param>
    /// <param name="configureEndpoints">Adds endpoints by hand before the registered ones are configured.</param>
    public static IServiceCollection AddMessagingBus(this IServiceCollection services, IConfiguration configuration,
        Action<IBusRegistrationConfigurator>? configure = null, Action<IBusRegistrationContext, IBusFactoryConfigurator>? configureEndpoints = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<BusOptions>().BindConfiguration(BusOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<BusOptions>, BusOptionsValidator>();
        var options = configuration.GetSection(BusOptions.SectionName).Get<BusOptions>() ?? new BusOptions();

        services.AddMassTransit(x =>
        {
            x.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(options.NamePrefix, false));
            configure?.Invoke(x);
            if (options.RabbitMqUrl is { } url)
            {
                x.UsingRabbitMq((context, bus) =>
                {
                    bus.Host(url);
                    if (options.StampUserId) BrokerUser.Stamp(bus, BrokerUser.Of(url));
                    RequestLanes.Mark(bus);
                    if (!BrokerReconnect.Apply(bus))
                        context.GetService<ILoggerFactory>()?.CreateLogger(typeof(BrokerReconnect)).LogWarning(
                            "This MassTransit version does not let the bus's reconnect schedule be shortened: after a broker outage it reconnects on MassTransit's own schedule (up to 30 s between attempts)");
                    Prefix(bus, options.NamePrefix);
                    Nesting(bus);
                    configureEndpoints?.Invoke(context, bus);
                    bus.ConfigureEndpoints(context);
                });
            }
            else
            {
                x.UsingInMemory((context, bus) =>
                {
                    Prefix(bus, options.NamePrefix);
                    Nesting(bus);
                    configureEndpoints?.Invoke(context, bus);
                    bus.ConfigureEndpoints(context);
                });
            }
        });
        return services;
    }

    /// <summary>
    /// Ordered delivery for a downstream endpoint: one message at a time (<c>ConcurrentMessageLimit</c> 1) with an
    /// explicit prefetch, so each stream's events are handled in the order the worker published them (it awaits
    /// each publish before the next) and a consumer never sees a <c>StepDelta</c> before the previous range. The
    /// trade-off: the endpoint's throughput is that of one handler at a time; keep the handler short, or consume
    /// concurrently and reorder by <c>sequence</c>/<c>lastSequence</c> instead. Delta coalescing keeps the message
    /// rate of fast streams low enough for one handler.
    /// </summary>
    /// <param name="endpoint">The receive endpoint that consumes the stream's events.</param>
    /// <param name="prefetchCount">Messages the broker hands over ahead of the handler (default 1000).</param>
    public static void UseOrderedDelivery(this IReceiveEndpointConfigurator endpoint, int prefetchCount = 1000)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentOutOfRangeException.ThrowIfLessThan(prefetchCount, 1);
        endpoint.ConcurrentMessageLimit = 1;
        endpoint.PrefetchCount = prefetchCount;
    }

    // The serializer's options are MassTransit's, process-wide: every bus here reads and writes the same depth.
    private static void Nesting(IBusFactoryConfigurator bus) => bus.ConfigureJsonSerializerOptions(options =>
    {
        options.MaxDepth = MessageNesting.MaxMessageDepth;
        return options;
    });

    private static void Prefix(IBusFactoryConfigurator bus, string? prefix)
    {
        if (string.IsNullOrEmpty(prefix)) return;
        bus.MessageTopology.SetEntityNameFormatter(new PrefixEntityNameFormatter(bus.MessageTopology.EntityNameFormatter, prefix));
    }
}
