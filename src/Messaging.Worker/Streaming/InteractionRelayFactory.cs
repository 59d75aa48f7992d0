using Messaging.Worker.Infrastructure;
using Messaging.Worker.Publishing;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Streaming;

/// <summary>The ids every event of one request carries.</summary>
/// <param name="RequestId">The request.</param>
/// <param name="ConversationId">Its conversation (the request's own id when it was sent without one).</param>
/// <param name="TurnId">Its turn (likewise).</param>
internal sealed record RequestIds(Guid RequestId, Guid ConversationId, Guid TurnId)
{
    /// <summary>The ids of a command, with the defaults the contracts promise.</summary>
    public static RequestIds Of(StreamInteraction command) =>
        new(command.RequestId, command.ConversationId ?? command.RequestId, command.TurnId ?? command.RequestId);
}

/// <summary>Makes the <see cref="InteractionRelay"/> of a request: its own publishing lane and the delta settings.</summary>
internal sealed class InteractionRelayFactory(IStreamEventPublisher publisher, WorkerTelemetry telemetry, IOptions<WorkerOptions> options)
{
    /// <summary>A relay for one request; <paramref name="publishToken"/> stops its publishing (the host stopping).</summary>
    public InteractionRelay Create(RequestIds ids, CancellationToken publishToken) =>
        new(publisher.OpenLane(), telemetry, ids, publishToken, options.Value.DeltaCoalescingWindow, options.Value.DeltaDeliveryMode);
}
