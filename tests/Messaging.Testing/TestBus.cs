using MassTransit;
using Messaging.Client;
using Messaging.Contracts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;

namespace Messaging.Testing;

/// <summary>
/// A test's own bus on RabbitMQ, set up as a downstream service would (<see cref="MessagingBusExtensions.AddMessagingBus"/>)
/// under a per-run name prefix, so runs never share queues or exchanges. Disposing it stops the bus and deletes what
/// the run created under the prefix: the named queues (with their error and skipped queues) and the message exchanges.
/// </summary>
public sealed class TestBus : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly Uri _broker;
    private readonly string _prefix;
    private readonly string[] _queues;

    private TestBus(IHost host, Uri broker, string prefix, string[] queues)
    {
        _host = host;
        _broker = broker;
        _prefix = prefix;
        _queues = queues;
    }

    public IBus Bus => _host.Services.GetRequiredService<IBus>();

    public IServiceProvider Services => _host.Services;

    /// <summary>Starts the bus and waits until its endpoints listen.</summary>
    /// <param name="broker">The broker.</param>
    /// <param name="prefix">The run's name prefix (<c>Bus:NamePrefix</c>), shared with the workers under test.</param>
    /// <param name="cleanUpQueues">Queues (without the prefix) the run creates, to delete at the end: the workers' durable ones.</param>
    /// <param name="services">The test's own services (the event log its consumers fill).</param>
    /// <param name="configure">The test's consumers.</param>
    /// <param name="endpoints">Endpoints configured by hand.</param>
    public static async Task<TestBus> StartAsync(Uri broker, string prefix, string[] cleanUpQueues, Action<IServiceCollection> services,
        Action<IBusRegistrationConfigurator> configure, Action<IBusRegistrationContext, IBusFactoryConfigurator>? endpoints = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Bus:RabbitMqUrl"] = broker.ToString(),
            ["Bus:NamePrefix"] = prefix,
        });
        services(builder.Services);
        builder.Services.AddMessagingBus(builder.Configuration, configure, endpoints);
        builder.Services.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = true);
        var host = builder.Build();
        await host.StartAsync();
        return new TestBus(host, broker, prefix, cleanUpQueues);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        await using var connection = await new ConnectionFactory { Uri = _broker }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        // The work queue comes with its small lane and the lanes' headers exchange (deleting what does not exist is a no-op).
        foreach (var queue in _queues.SelectMany(static q => q == "interaction-requested" ? [q, q + "-small", q + "-lanes"] : new[] { q }))
        foreach (var name in new[] { queue, queue + "_error", queue + "_skipped" })
        {
            await channel.QueueDeleteAsync(_prefix + name);
            await channel.ExchangeDeleteAsync(_prefix + name);
        }
        // Every message exchange a run may have created (deleting one that does not exist is a no-op).
        var exchanges = typeof(InteractionRequested).Assembly.GetExportedTypes()
            .Where(t => t.Namespace == "Messaging.Contracts")
            .Select(t => $"Messaging.Contracts:{t.Name}")
            .Concat(["Messaging.Worker.Conversations:ConversationDue", "MassTransit:Fault", "MassTransit:ReceiveFault",
                "MassTransit:Fault--Messaging.Contracts:InteractionRequested--"]);
        foreach (var exchange in exchanges) await channel.ExchangeDeleteAsync(_prefix + exchange);
    }
}
