using MassTransit;
using Messaging.Client;
using Messaging.Contracts;
using Messaging.Worker.Checkpoints;
using Messaging.Worker.Infrastructure;
using Messaging.Worker.Intake;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Streaming;

/// <summary>
/// Answers the requests the broker dead-lettered from the work queue (<c>interaction-requested-poison</c>): delivered
/// more than <see cref="BusOptions.DeliveryLimit"/> times without an end, e.g. a request whose every replica crashed
/// on it. Each gets one final <see cref="InteractionFailed"/> with reason <c>poison</c>, recorded through the checkpoints
/// like any end (so a duplicate of it later publishes nothing), and its stored interaction, if one was recorded, is
/// cancelled at the API so it stops costing tokens.
/// </summary>
internal sealed class InteractionRequestedPoisonConsumer(
    StreamCheckpoints checkpoints,
    InteractionRelayFactory relays,
    RequestEnds ends,
    ApiCancellation apiCancellation,
    WorkerTelemetry telemetry,
    IOptions<BusOptions> bus,
    ILogger<InteractionRequestedPoisonConsumer> logger) : IConsumer<InteractionRequested>
{
    public async Task Consume(ConsumeContext<InteractionRequested> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = context.Message;
        if (message.RequestId == Guid.Empty) return; // the work queue put it in its _error queue already: nothing to answer
        var ids = RequestIds.Of(StreamInteraction.From(message));
        var claim = await checkpoints.ClaimAsync(ids.RequestId, RequestBodyHash.Of(message.Request), context.CancellationToken);
        switch (claim.Result)
        {
            case ClaimResult.Ended or ClaimResult.DifferentBody:
                return; // it was answered (a duplicate that piled up its deliveries, or a reused requestId that was rejected)
            case ClaimResult.Ending:
                await ends.RepublishAsync(ids, claim.Finals!, context.CancellationToken);
                return;
        }

        telemetry.Outcome("poison");
        logger.LogError("Request {RequestId} was dead-lettered after more than {Limit} deliveries without an end; it fails with reason 'poison'",
            ids.RequestId, bus.Value.DeliveryLimit);
        if (claim.Previous?.InteractionId is { } interactionId) await apiCancellation.TryCancelAsync(interactionId);
        var relay = relays.Create(ids, context.CancellationToken, claim.Previous?.Attempt ?? 1);
        var finals = relay.Failed("poison",
            $"The request was delivered more than {bus.Value.DeliveryLimit} times without an end (Bus:DeliveryLimit): every replica that took it stopped before it ended.");
        await ends.EndAsync(relay, finals, context.CancellationToken);
    }
}

/// <summary>The dead-letter queue of the work queue: shared by the replicas, plain JSON accepted as on the work queue.</summary>
internal sealed class InteractionRequestedPoisonConsumerDefinition(IOptions<BusOptions> bus) : ConsumerDefinition<InteractionRequestedPoisonConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<InteractionRequestedPoisonConsumer> consumerConfigurator, IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpointConfigurator);
        // Only what the work queue dead-letters: not bound to the InteractionRequested exchange, which would bring every request here.
        endpointConfigurator.ConfigureConsumeTopology = false;
        endpointConfigurator.UseRequestDeserializer(context); // plain JSON too; requests read without copies
        endpointConfigurator.UseSharedQueue(bus.Value);
    }
}
