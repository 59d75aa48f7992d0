using System.Collections.Concurrent;
using System.Text.Json;
using MassTransit;
using Messaging.Contracts;
using Messaging.Worker.Tenants;

namespace Messaging.Worker.Conversations;

/// <summary>
/// The saga's guards and deadlines, read from its options and its one clock (the injected <see cref="TimeProvider"/>:
/// every time the saga compares comes from it, so tests drive deadlines with a fake clock).
/// </summary>
internal sealed class ConversationRules(ConversationOptions options, TimeProvider time, TenantResolver tenants)
{
    public DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>When an idle conversation is removed, counted from now.</summary>
    public DateTime ExpiryFromNow => Now + options.Retention;

    /// <summary>How long turns for a conversation not seen yet wait for its first request.</summary>
    public DateTime GraceFromNow => Now + options.StartGrace;

    /// <summary>When an open round's results are due, counted from now.</summary>
    public DateTime ResultsDueFromNow => Now + options.FunctionResultTimeout;

    public bool HasExpired(ConversationState saga) => !(saga.ExpiresAt > Now);

    public bool ResultsOverdue(ConversationState saga) => saga.Awaiting is not null && saga.ResultsDueAt <= Now;

    /// <summary>The tenant a message may claim (<see cref="TenantResolver"/>); null when none, or when it may not claim the one it names.</summary>
    public string? TenantOf<T>(ConsumeContext<T> context) where T : class =>
        tenants.Resolve(context.ReceiveContext, context.Message switch
        {
            InteractionRequested request => request.Tenant,
            ConversationTurnRequested turn => turn.Tenant,
            _ => null,
        }).Tenant;

    /// <summary>Why the <see cref="ConversationTurnRequested"/> of <paramref name="context"/> cannot run in this conversation, or null.</summary>
    public ValidationProblem? TurnProblem(BehaviorContext<ConversationState, ConversationTurnRequested> context)
    {
        var (saga, turn) = (context.Saga, context.Message);
        var tenant = tenants.Resolve(context.ReceiveContext, turn.Tenant);
        if (tenant.Problem is not null) return tenant.Problem;
        // A turn names no tenant, or its conversation's: another tenant cannot continue (nor be charged for) it.
        if (tenant.Tenant is not null && tenant.Tenant != saga.Tenant)
            return new("tenant", saga.Tenant is null
                ? $"is '{tenant.Tenant}', but conversation {saga.CorrelationId} has no tenant: a conversation keeps the tenant of its first turn"
                : $"is '{tenant.Tenant}', but conversation {saga.CorrelationId} is tenant '{saga.Tenant}''s: a conversation keeps the tenant of its first turn");
        return TurnShapeProblem(saga, turn);
    }

    private static ValidationProblem? TurnShapeProblem(ConversationState saga, ConversationTurnRequested turn)
    {
        if (turn.RequestId == Guid.Empty) return new("requestId", "is required: a UUID that identifies this turn");
        if (turn.Input.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
            return new("input", "is required: a string, a content block, or a list of content blocks or steps");
        if (turn.Request.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.Object))
            return new("request", "must be a JSON object of create-body overrides, or left out");
        return StoreProblem(saga, turn.Request);
    }

    /// <summary>Why a turn's overrides would switch the conversation between stored and stateless, or null.</summary>
    public static ValidationProblem? StoreProblem(ConversationState saga, JsonElement overrides)
    {
        if (overrides.ValueKind == JsonValueKind.Object && overrides.TryGetProperty("store", out var store)
            && (store.ValueKind == JsonValueKind.False) != saga.Stateless)
            return new("request.store", saga.Stateless
                ? "this conversation is stateless (store: false) from its first turn; it cannot switch to stored interactions"
                : "this conversation is stored from its first turn; it cannot switch to store: false (the saga holds no history for it)");
        return null;
    }

    /// <summary>Why a turn cannot wait behind the running one, or null.</summary>
    public ValidationProblem? QueueProblem(BehaviorContext<ConversationState, ConversationTurnRequested> context) =>
        context.Saga.QueuedTurns.Count >= options.MaxQueuedTurns
            ? new("conversationId", $"{context.Saga.QueuedTurns.Count} turns already wait in this conversation (Conversations:MaxQueuedTurns)")
            : TurnProblem(context);

    /// <summary>Why the saga will not answer a round the model asked for, or null: it can only answer function calls, and only so many times.</summary>
    public (string Reason, string Message)? RoundRefusal(ConversationState saga, InteractionRequiresAction action) =>
        action.Calls.Count == 0
            ? ("unsupported_action", $"interaction {action.InteractionId} requires an action that is not a function call; the saga can only answer function calls")
            : saga.Rounds > options.MaxFunctionRounds
                ? ("round_limit", $"the turn asked for function results {saga.Rounds} times; the limit is {options.MaxFunctionRounds} (Conversations:MaxFunctionRounds)")
                : null;

    public string MissingResults(ConversationState saga) =>
        $"no result for {string.Join(", ", saga.Awaiting!.Calls.Where(c => c.ResultStep is null).Select(c => $"{c.Name} ({c.CallId})"))} " +
        $"within {options.FunctionResultTimeout} (Conversations:FunctionResultTimeout)";

    public string Expired => $"the conversation had no activity for {options.Retention} (Conversations:Retention) and was removed";

    /// <summary>
    /// An event of a request this conversation has not seen: until the event is <see cref="ConversationOptions.EarlyEventPatience"/>
    /// old it is early (the request is still on its way), and is retried; after that it is stale. Its age counts from this
    /// process's first attempt, on the saga's clock (not the sender's <c>SentTime</c>, another machine's wall clock).
    /// </summary>
    public Task WaitIfEarly(ConsumeContext context)
    {
        var key = context.MessageId ?? Guid.Empty;
        var now = Now;
        var first = _firstAttempts.GetOrAdd(key, now);
        if (now - first < options.EarlyEventPatience)
        {
            if (_firstAttempts.Count > FirstAttemptsKept) ForgetOldAttempts(now);
            throw new EarlyEventException($"{context.ReceiveContext.InputAddress}: an event of a request this conversation has not seen yet ({now - first} old); retried until it is {options.EarlyEventPatience} old");
        }
        _firstAttempts.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    // Retries run in this process (the endpoint's retry filter), so the first attempts are remembered here; an event
    // whose request came in time is never looked at again, hence the sweep of old entries.
    private const int FirstAttemptsKept = 10_000;
    private readonly ConcurrentDictionary<Guid, DateTime> _firstAttempts = new();

    private void ForgetOldAttempts(DateTime now)
    {
        foreach (var (key, first) in _firstAttempts)
            if (now - first > options.EarlyEventPatience * 2) _firstAttempts.TryRemove(key, out _);
    }
}
