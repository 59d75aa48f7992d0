namespace Messaging.Contracts;

/// <summary>
/// Event: the request waits instead of failing — the API's quota for its model is exhausted (a 429 on this or another
/// replica), and it will be tried again at <see cref="RetryAt"/>. Not a final event: the request still ends with one,
/// <see cref="InteractionFailed"/> (reason <c>quota</c>) only once it has waited longer than the worker's
/// <c>Quota:MaxWait</c>. A request may be deferred more than once.
/// </summary>
public sealed record InteractionDeferred
{
    /// <summary>The <see cref="InteractionRequested"/> that waits.</summary>
    public Guid RequestId { get; init; }

    /// <summary>The conversation (defaults to the request's id).</summary>
    public Guid ConversationId { get; init; }

    /// <summary>The turn (defaults to the request's id).</summary>
    public Guid TurnId { get; init; }

    /// <summary>Why it waits: <c>quota</c>.</summary>
    public string Reason { get; init; } = "quota";

    /// <summary>When it will be tried again (UTC).</summary>
    public DateTimeOffset RetryAt { get; init; }

    /// <summary>Since when it has been waiting (its first deferral).</summary>
    public DateTimeOffset WaitingSince { get; init; }

    /// <summary>The model (or agent) whose quota it waits for.</summary>
    public string? Model { get; init; }

    /// <summary>A sentence for people.</summary>
    public string? Message { get; init; }
}
