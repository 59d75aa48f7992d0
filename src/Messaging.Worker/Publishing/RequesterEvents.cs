using Messaging.Contracts;

namespace Messaging.Worker.Publishing;

/// <summary>
/// Which events go where for a request with a reply address (<see cref="Streaming.WorkerOptions.EventsToReplyAddressOnly"/>):
/// every event goes to the reply address; those only a requester reads may skip their exchange.
/// </summary>
internal static class RequesterEvents
{
    /// <summary>True for an event no part of the service consumes (steps, deltas, status changes, deferrals): only the requester reads it.</summary>
    public static bool IsForRequesterOnly<T>() where T : class =>
        typeof(T) == typeof(StepStarted) || typeof(T) == typeof(StepDelta) || typeof(T) == typeof(StepCompleted)
        || typeof(T) == typeof(InteractionStatusChanged) || typeof(T) == typeof(InteractionDeferred);

    /// <summary>True when <typeparamref name="T"/> goes to its exchange for a request with <paramref name="reply"/>.</summary>
    public static bool ToExchange<T>(Messaging.Client.ReplyAddress? reply, bool replyOnly) where T : class =>
        reply is null || !replyOnly || !IsForRequesterOnly<T>();
}
