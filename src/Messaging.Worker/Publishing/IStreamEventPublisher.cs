namespace Messaging.Worker.Publishing;

/// <summary>Puts streams' events on the bus: each stream publishes through a lane of its own.</summary>
internal interface IStreamEventPublisher
{
    /// <summary>
    /// A lane for one stream's events; use it from one flow at a time (the relay awaits each call). With
    /// <paramref name="reply"/>, every event is sent there too, in the same order (<see cref="RequesterEvents"/>).
    /// </summary>
    IStreamEventLane OpenLane(Messaging.Client.ReplyAddress? reply = null);
}

/// <summary>
/// One stream's events, in order: a message handed to <see cref="PublishAsync"/> reaches the broker after every
/// message handed over before it, without waiting for their confirms; <see cref="ConfirmAsync"/> waits for those.
/// </summary>
internal interface IStreamEventLane
{
    /// <summary>
    /// Hands <paramref name="message"/> over with the MassTransit <paramref name="messageId"/> (<paramref name="persistent"/>
    /// false lets the broker keep it in memory only); when the task ends the message's place in the stream's order is
    /// fixed, not necessarily confirmed.
    /// </summary>
    ValueTask PublishAsync<T>(T message, Guid messageId, bool persistent, CancellationToken cancellationToken) where T : class;

    /// <summary>Ends when the broker has confirmed every message handed over so far (resending what a lost connection dropped).</summary>
    Task ConfirmAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Ends when the broker has confirmed every message handed over so far, without waiting for it here and without
    /// resending: it faults when the connection dropped under them (the lane sends them again on its next publish or
    /// confirm, and a later call covers them).
    /// </summary>
    Task Confirmed();
}
