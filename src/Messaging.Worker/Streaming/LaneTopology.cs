using MassTransit;
using Messaging.Client;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Messaging.Worker.Streaming;

/// <summary>
/// Routes published requests to their lane (<see cref="WorkLanes"/>): the requests' exchange is bound to a headers
/// exchange that sends marked requests to the small lane's queue and everything else, through its alternate exchange, to
/// the work queue; then the requests' exchange's direct binding to the work queue (from a worker without lanes) is removed.
/// Bind first, unbind second: in between a request may reach both lanes (a duplicate, which runs once), never neither.
/// Declared before the bus starts, the small lane's queue included (as <see cref="SharedQueues.UseSharedQueue"/> declares
/// it), so that a request published once the replica runs always has a queue to land in; and again whenever the small
/// lane's endpoint is ready again (after a broker restart; all of it is idempotent). A broker not there at start leaves it
/// to that second time: until then requests reach the work queue only by an older binding, or wait for a replica, as they
/// would without lanes. MassTransit's topology cannot declare an exchange-to-exchange binding whose destination is no
/// endpoint's, nor remove one: hence RabbitMQ.Client.
/// </summary>
internal sealed class LaneTopology(WorkLanes lanes, IOptions<BusOptions> bus, IEndpointNameFormatter names, ILogger<LaneTopology> logger)
    : IHostedService, IReceiveEndpointObserver
{
    /// <summary>How long the declaration before the bus may take.</summary>
    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(10);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!lanes.Active) return;
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        patience.CancelAfter(StartPatience);
        await DeclareAsync(withQueue: true, patience.Token);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task Ready(ReceiveEndpointReady ready)
    {
        ArgumentNullException.ThrowIfNull(ready);
        return lanes.Active && lanes.IsSmallLane(ready.InputAddress) ? DeclareAsync(withQueue: false, CancellationToken.None) : Task.CompletedTask;
    }

    private async Task DeclareAsync(bool withQueue, CancellationToken cancellationToken)
    {
        var requests = RequestsExchange();
        try
        {
            var factory = new ConnectionFactory
            {
                Uri = bus.Value.RabbitMqUrl!, ClientProvidedName = "messaging-worker-lanes", AutomaticRecoveryEnabled = false,
                RequestedConnectionTimeout = StartPatience,
            };
            await using var connection = await factory.CreateConnectionAsync(cancellationToken);
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            // Declared as MassTransit declares them (durable fanouts), in case this replica is the first.
            await channel.ExchangeDeclareAsync(requests, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
            await channel.ExchangeDeclareAsync(lanes.Entry, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
            await channel.ExchangeDeclareAsync(lanes.SmallLane, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
            if (withQueue)
            {
                var poison = names.Consumer<InteractionRequestedPoisonConsumer>();
                await channel.QueueDeclareAsync(lanes.SmallLane, durable: true, exclusive: false, autoDelete: false,
                    SharedQueues.Arguments(bus.Value, poison), cancellationToken: cancellationToken);
                await channel.QueueBindAsync(lanes.SmallLane, lanes.SmallLane, "", cancellationToken: cancellationToken);
            }
            await channel.ExchangeDeclareAsync(lanes.Router, ExchangeType.Headers, durable: true, autoDelete: false,
                new Dictionary<string, object?> { ["alternate-exchange"] = lanes.Entry }, cancellationToken: cancellationToken);
            await channel.ExchangeBindAsync(lanes.SmallLane, lanes.Router, "",
                new Dictionary<string, object?> { ["x-match"] = "all", [RequestLanes.Header] = RequestLanes.Small }, cancellationToken: cancellationToken);
            await channel.ExchangeBindAsync(lanes.Router, requests, "", cancellationToken: cancellationToken);
            await channel.ExchangeUnbindAsync(lanes.Entry, requests, "", cancellationToken: cancellationToken);
            logger.LogInformation("Request lanes: {Requests} → {Router} → {Small} (header {Header}: {Value}), else {Entry}",
                requests, lanes.Router, lanes.SmallLane, RequestLanes.Header, RequestLanes.Small, lanes.Entry);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Request lanes could not be declared now; they are declared when the small lane's endpoint is ready");
        }
    }

    /// <summary>The requests' exchange, named as the bus names it (with <c>Bus:NamePrefix</c>).</summary>
    private string RequestsExchange() => $"{bus.Value.NamePrefix}{MessageUrn.ForTypeString<Contracts.InteractionRequested>()["urn:message:".Length..]}";

    public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

    public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;

    public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;
}
