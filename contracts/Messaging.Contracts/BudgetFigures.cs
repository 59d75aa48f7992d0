namespace Messaging.Contracts;

/// <summary>A token budget that refused a request (<see cref="InteractionRejected.Budget"/>).</summary>
public sealed record BudgetFigures
{
    /// <summary>What the budget is for: <c>conversation</c> or <c>tenant</c>.</summary>
    public string Scope { get; init; } = "";

    /// <summary>Whose it is: the conversationId or the tenant.</summary>
    public string Subject { get; init; } = "";

    /// <summary>The tokens it allows per period.</summary>
    public long Limit { get; init; }

    /// <summary>The tokens used in the current period (the API's reported <c>total_tokens</c>, summed).</summary>
    public long Used { get; init; }

    /// <summary>The period: <c>day</c> or <c>month</c> (UTC).</summary>
    public string Period { get; init; } = "";

    /// <summary>When the current period started (UTC).</summary>
    public DateTimeOffset PeriodStart { get; init; }

    /// <summary>When the next period starts and the budget is whole again (UTC).</summary>
    public DateTimeOffset ResetsAt { get; init; }
}
