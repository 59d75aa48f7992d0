using MassTransit;
using Messaging.Contracts;

namespace Messaging.Worker.Streaming;

/// <summary>
/// Puts a request back on the work queue as a new message, sent to that queue alone (not published: the saga and other
/// observers of <see cref="InteractionRequested"/> saw it once already). A new message starts the broker's clocks afresh:
/// its <c>consumer_timeout</c> and its delivery count.
/// </summary>
internal sealed class WorkQueue(IBus bus, WorkLanes lanes)
{
    /// <summary>The work queue's name, which is also its own exchange's (bound to that queue only).</summary>
    public string Name => lanes.Entry;

    /// <summary>Sends a new copy of the request to the work queue.</summary>
    public Task SendAgainAsync(StreamInteraction command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        return SendAsync(new InteractionRequested
        {
            RequestId = command.RequestId, ConversationId = command.ConversationId, TurnId = command.TurnId, Request = command.Request,
            Tenant = command.Tenant, ReplyTo = command.ReplyTo,
        }, notBefore: null, cancellationToken);
    }

    /// <summary>Sends <paramref name="request"/> to the work queue's lane for its size, with its earliest start when it has one.</summary>
    public async Task SendAsync(InteractionRequested request, DateTimeOffset? notBefore, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, object?>? headers = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        // The exchange, not "queue:": that would redeclare the queue, and its arguments (quorum, delivery limit) with it.
        var lane = lanes.LaneOf(request);
        var queue = await bus.GetSendEndpoint(new Uri($"exchange:{lane}"));
        await queue.Send(request, context =>
        {
            if (notBefore is { } due) context.Headers.Set(RequestWaits.NotBeforeHeader, due.ToUnixTimeMilliseconds());
            foreach (var (name, value) in headers ?? new Dictionary<string, object?>()) context.Headers.Set(name, value);
        }, cancellationToken);
    }
}
