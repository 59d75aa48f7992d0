using System.Text.Json.Nodes;
using Messaging.Client;
using Messaging.Worker.Checkpoints;
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
    /// <summary>Where its events are sent as well (its valid <c>replyTo</c>); null for none.</summary>
    public ReplyAddress? ReplyTo { get; init; }

    /// <summary>When the request was published (its envelope's sentTime), for <see cref="WorkerTelemetry.Stage"/>; null when unknown.</summary>
    public DateTime? PublishedAt { get; init; }

    /// <summary>The ids of a command, with the defaults the contracts promise.</summary>
    public static RequestIds Of(StreamInteraction command) =>
        new(command.RequestId, command.ConversationId ?? command.RequestId, command.TurnId ?? command.RequestId)
        {
            ReplyTo = ReplyAddress.TryParse(command.ReplyTo, out var reply, out _) ? reply : null,
            PublishedAt = command.PublishedAt,
        };
}

/// <summary>
/// Makes the <see cref="InteractionRelay"/> of a request: its own publishing lane, the delta settings, and its checkpoints
/// handed to <see cref="StreamCheckpoints"/>.
/// </summary>
internal sealed class InteractionRelayFactory(
    IStreamEventPublisher publisher, WorkerTelemetry telemetry, StreamCheckpoints checkpoints, IOptions<WorkerOptions> options,
    IOptions<CheckpointOptions> checkpointOptions)
{
    /// <summary>
    /// A relay for one attempt of a request, continuing from <paramref name="restore"/> when given (a takeover);
    /// <paramref name="publishToken"/> stops its publishing (the host stopping).
    /// </summary>
    public InteractionRelay Create(RequestIds ids, CancellationToken publishToken, int attempt = 1, string? supersedes = null, JsonObject? restore = null)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var relay = new InteractionRelay(publisher.OpenLane(ids.ReplyTo), telemetry, ids, publishToken, options.Value.DeltaCoalescingWindow, options.Value.DeltaDeliveryMode)
        {
            Attempt = attempt,
            Supersedes = supersedes,
            CheckpointInterval = checkpointOptions.Value.Interval,
            OnCheckpoint = (state, urgent) => checkpoints.Offer(
                new StreamCheckpoint(ids.RequestId, attempt, state["interaction_id"]?.GetValue<string>() is { Length: > 0 } id ? id : null, state), urgent),
        };
        if (restore is not null) relay.Restore(restore);
        return relay;
    }
}
