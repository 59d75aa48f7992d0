namespace Messaging.Contracts;

/// <summary>
/// Event: an <see cref="InteractionRequested"/> (or <see cref="ConversationTurnRequested"/>) was invalid and
/// was not run. Lists every problem. The original message is also kept in the worker's error queue.
/// </summary>
public sealed record InteractionRejected
{
    /// <summary>The rejected request's id.</summary>
    public Guid RequestId { get; init; }

    /// <summary>The conversation, when it could be read.</summary>
    public Guid ConversationId { get; init; }

    /// <summary>The turn, when it could be read.</summary>
    public Guid TurnId { get; init; }

    /// <summary>Each problem found.</summary>
    public IReadOnlyList<ValidationProblem> Errors { get; init; } = [];
}
