namespace Messaging.Contracts;

/// <summary>Event: the interaction was cancelled (by <see cref="CancelInteraction"/> or by the API).</summary>
public sealed record InteractionCancelled
{
    /// <summary>The <see cref="InteractionRequested"/> that caused this event (after a function loop, the continuation's).</summary>
    public Guid RequestId { get; init; }

    /// <summary>The conversation (defaults to the first request's id).</summary>
    public Guid ConversationId { get; init; }

    /// <summary>The turn: the first requestId of the turn; match a turn's final event by it.</summary>
    public Guid TurnId { get; init; }

    /// <summary>The API's interaction id.</summary>
    public string InteractionId { get; init; } = "";

    /// <summary>The API status (<c>cancelled</c>).</summary>
    public string Status { get; init; } = "cancelled";
}
