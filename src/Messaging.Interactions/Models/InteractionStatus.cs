namespace Messaging.Interactions.Models;

/// <summary>
/// An interaction's status. The API's enum is open, so this is a string wrapper: a status added by
/// Google tomorrow still parses and round-trips.
/// </summary>
public readonly record struct InteractionStatus(string Value)
{
    /// <summary>Accepted, waiting for capacity.</summary>
    public static readonly InteractionStatus Queued = new("queued");
    /// <summary>Running.</summary>
    public static readonly InteractionStatus InProgress = new("in_progress");
    /// <summary>Stopped for the client to answer <c>function_call</c> steps.</summary>
    public static readonly InteractionStatus RequiresAction = new("requires_action");
    /// <summary>A decode limit was reached; continue with <c>continuation_token</c>.</summary>
    public static readonly InteractionStatus RequiresContinuation = new("requires_continuation");
    /// <summary>Finished normally.</summary>
    public static readonly InteractionStatus Completed = new("completed");
    /// <summary>Finished but truncated.</summary>
    public static readonly InteractionStatus Incomplete = new("incomplete");
    /// <summary>Halted because the token budget ran out.</summary>
    public static readonly InteractionStatus BudgetExceeded = new("budget_exceeded");
    /// <summary>Server-side failure.</summary>
    public static readonly InteractionStatus Failed = new("failed");
    /// <summary>Cancelled by <c>cancel</c>.</summary>
    public static readonly InteractionStatus Cancelled = new("cancelled");

    /// <summary>True for statuses after which the interaction will not change by itself (requires_* included: the client must act).</summary>
    public bool IsFinal => this == RequiresAction || this == RequiresContinuation || IsTerminal;

    /// <summary>True for completed, incomplete, budget_exceeded, failed and cancelled.</summary>
    public bool IsTerminal => this == Completed || this == Incomplete || this == BudgetExceeded || this == Failed || this == Cancelled;

    /// <summary>True for the statuses that end with output (completed, incomplete, budget_exceeded).</summary>
    public bool HasOutput => this == Completed || this == Incomplete || this == BudgetExceeded;

    /// <inheritdoc />
    public override string ToString() => Value ?? "";
}
