using MassTransit;
using Messaging.Interactions;
using Messaging.Worker.Conversations;
using Messaging.Worker.Interactions;
using Messaging.Worker.Publishing;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Infrastructure;

/// <summary>Registers the worker in any host: the API client, the mediator and the bus.</summary>
public static class MessagingBusExtensions
{
    /// <summary>
    /// Everything the worker needs: options (validated on start), the Interactions API client, the mediator
    /// with its validation pipeline, the conversation saga (unless <c>Conversations:Enabled</c> is false), and the
    /// bus with the worker's endpoints (see <see cref="AddMessagingBus"/>).
    /// Another process (the CLI) hosts the worker in-process with this call.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The host's configuration; <c>Bus:RabbitMqUrl</c> picks the transport.</param>
    /// <param name="configureBus">Adds the caller's own consumers, sagas or settings to the same bus.</param>
    public static IServiceCollection AddMessagingWorker(this IServiceCollection services, IConfiguration configuration,
        Action<IBusRegistrationConfigurator>? configureBus = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>();
        services.AddInteractionsClient();
        services.AddWorkerMediator();
        services.AddSingleton<InFlightInteractions>();
        services.AddScoped<InteractionRelayFactory>();
        AddStreamEventPublisher(services, configuration);
        services.AddSingleton<WorkerTelemetry>();
        services.AddMetrics();
        return services.AddMessagingBus(configuration, x =>
        {
            x.AddConsumer<InteractionRequestedConsumer, InteractionRequestedConsumerDefinition>();
            x.AddConsumer<CancelInteractionConsumer>().ExcludeFromConfigureEndpoints();
            x.AddConversations(services, configuration);
            configureBus?.Invoke(x);
        }, (context, bus) =>
        {
            // Each replica's own control queue: non-durable, auto-deleted, uniquely named.
            bus.ReceiveEndpoint(new TemporaryEndpointDefinition("interaction-control"),
                e => e.ConfigureConsumer<CancelInteractionConsumer>(context));
        });
    }

    /// <summary>How the worker publishes a stream's events: straight to RabbitMQ when it can (<see cref="WorkerOptions.DirectPublishing"/>), else through MassTransit.</summary>
    private static void AddStreamEventPublisher(IServiceCollection services, IConfiguration configuration)
    {
        var rabbitMq = configuration.GetSection(BusOptions.SectionName).Get<BusOptions>()?.RabbitMqUrl is not null;
        var direct = configuration.GetSection(WorkerOptions.SectionName).Get<WorkerOptions>()?.DirectPublishing ?? true;
        if (rabbitMq && direct)
        {
            // A singleton (one connection per replica); never a scoped factory, whose scope would dispose it.
            services.AddSingleton<IStreamEventPublisher, RabbitMqStreamEventPublisher>();
        }
        else
        {
            services.AddScoped<IStreamEventPublisher, MassTransitStreamEventPublisher>();
        }
    }

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
                    Prefix(bus, options.NamePrefix);
                    configureEndpoints?.Invoke(context, bus);
                    bus.ConfigureEndpoints(context);
                });
            }
            else
            {
                x.UsingInMemory((context, bus) =>
                {
                    Prefix(bus, options.NamePrefix);
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

    private static void Prefix(IBusFactoryConfigurator bus, string? prefix)
    {
        if (string.IsNullOrEmpty(prefix)) return;
        bus.MessageTopology.SetEntityNameFormatter(new PrefixEntityNameFormatter(bus.MessageTopology.EntityNameFormatter, prefix));
    }
}
