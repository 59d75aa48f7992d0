namespace Messaging.Contracts;

/// <summary>
/// Event: an <see cref="InteractionRequested"/> (or <see cref="ConversationTurnRequested"/>) was invalid and
/// was not run. Lists every problem. An invalid message is also kept in the worker's error queue; one refused for its
/// budget (<see cref="Reason"/> <c>over_budget</c>) is not: it was valid, and may be sent again once the budget allows.
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

    /// <summary>
    /// Why it was not run: <c>invalid</c> (the default: see <see cref="Errors"/>) or <c>over_budget</c> (the tokens its
    /// conversation or tenant may use in the period are spent: see <see cref="Budget"/>; <see cref="Errors"/> says it in words).
    /// </summary>
    public string Reason { get; init; } = "invalid";

    /// <summary>For <c>over_budget</c>: which budget is spent, its figures, and when it starts again.</summary>
    public BudgetFigures? Budget { get; init; }
}
