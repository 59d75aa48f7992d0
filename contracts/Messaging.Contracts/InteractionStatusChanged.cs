namespace Messaging.Contracts;

/// <summary>Event: the interaction's API status changed (background runs report progress with it).</summary>
public sealed record InteractionStatusChanged
{
    /// <summary>The <see cref="InteractionRequested"/> that caused this event (after a function loop, the continuation's).</summary>
    public Guid RequestId { get; init; }

    /// <summary>The conversation (defaults to the first request's id).</summary>
    public Guid ConversationId { get; init; }

    /// <summary>The turn: the first requestId of the turn; match a turn's final event by it.</summary>
    public Guid TurnId { get; init; }

    /// <summary>The API's interaction id.</summary>
    public string InteractionId { get; init; } = "";

    /// <summary>The new API status, e.g. <c>in_progress</c>.</summary>
    public string Status { get; init; } = "";
}
