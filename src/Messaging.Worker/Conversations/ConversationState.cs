using MassTransit;
using Messaging.Worker.Sagas;

namespace Messaging.Worker.Conversations;

/// <summary>
/// One conversation, as the saga keeps it (in memory or as JSON in PostgreSQL). API JSON (the request template,
/// the stateless history, the model's steps, function results) is held as raw JSON text so it is resent
/// exactly as received: thought signatures and function calls byte for byte.
/// </summary>
public sealed class ConversationState : SagaStateMachineInstance, ISagaVersion, IDueSaga
{
    /// <summary>The conversationId.</summary>
    public Guid CorrelationId { get; set; }

    /// <summary>Optimistic-concurrency version, kept by the repository.</summary>
    public int Version { get; set; }

    /// <summary>The state machine's state name.</summary>
    public string CurrentState { get; set; } = "";

    /// <summary>True when the conversation runs with <c>store: false</c> and the saga resends the whole history.</summary>
    public bool Stateless { get; set; }

    /// <summary>The create body the turn's requests are built from (no <c>input</c>, <c>previous_interaction_id</c>, <c>stream</c>): raw JSON object.</summary>
    public string? Template { get; set; }

    /// <summary>The running turn's template: <see cref="Template"/> with the turn's overrides; continuations repeat it.</summary>
    public string? TurnTemplate { get; set; }

    /// <summary>The turn running now, or the last one.</summary>
    public Guid? TurnId { get; set; }

    /// <summary>The request running now: the turn's first, or the saga's latest continuation.</summary>
    public Guid? RequestId { get; set; }

    /// <summary>The running request's interaction, once started.</summary>
    public string? InteractionId { get; set; }

    /// <summary>The last interaction that completed: where the next stateful turn chains from.</summary>
    public string? LastInteractionId { get; set; }

    /// <summary>Turns started.</summary>
    public int TurnCount { get; set; }

    /// <summary>Function-call rounds of the running turn.</summary>
    public int Rounds { get; set; }

    /// <summary>Token usage summed over every interaction of the conversation, function-call rounds included (the API's usage field names).</summary>
    public Dictionary<string, long> Usage { get; set; } = [];

    /// <summary>Stateless: every step of the conversation so far as a raw JSON array (user input, model steps, function results).</summary>
    public string? History { get; set; }

    /// <summary>Stateless: the running turn's history so far (<see cref="History"/>, its input, its rounds); becomes <see cref="History"/> when the turn completes.</summary>
    public string? TurnHistory { get; set; }

    /// <summary>The round waiting for function results, if any.</summary>
    public AwaitedRound? Awaiting { get; set; }

    /// <summary>Results that arrived before the saga saw their round (the executor was faster than the saga's queue).</summary>
    public List<SubmittedResult> EarlyResults { get; set; } = [];

    /// <summary>Rounds already ended (newest last, bounded): a result for one of them is late.</summary>
    public List<ClosedRound> ClosedRounds { get; set; } = [];

    /// <summary>Requests of this conversation the saga has seen (newest last, bounded): an event of any other request is early, not stale.</summary>
    public List<Guid> SeenRequests { get; set; } = [];

    /// <summary>Requests whose end (failed, cancelled, rejected) was seen while they were not the running one (newest last, bounded).</summary>
    public List<Guid> EndedRequests { get; set; } = [];

    /// <summary><c>ConversationTurnRequested</c>s waiting for the running turn to end, oldest first.</summary>
    public List<QueuedTurn> QueuedTurns { get; set; } = [];

    /// <summary>A cancel arrived before the running request's interaction started: cancel it when it does.</summary>
    public bool CancelRequested { get; set; }

    /// <summary>When the awaited round times out (UTC).</summary>
    public DateTime? ResultsDueAt { get; set; }

    /// <summary>When the conversation is removed unless something happens first (UTC).</summary>
    public DateTime? ExpiresAt { get; set; }

    /// <summary>The earlier of the two deadlines: when the sweeper must look at this conversation.</summary>
    public DateTime? DueAt => ResultsDueAt is { } results && ExpiresAt is { } expires
        ? (results < expires ? results : expires)
        : ResultsDueAt ?? ExpiresAt;
}

/// <summary>An interaction that ended <c>requires_action</c> and the results collected for its calls.</summary>
public sealed class AwaitedRound
{
    /// <summary>The interaction that asked.</summary>
    public string InteractionId { get; set; } = "";

    /// <summary>The steps it generated (raw JSON array), resent in stateless mode.</summary>
    public string Steps { get; set; } = "[]";

    /// <summary>Its calls, in the order the model made them; each with its result once submitted.</summary>
    public List<AwaitedCall> Calls { get; set; } = [];
}

/// <summary>One call of an <see cref="AwaitedRound"/>.</summary>
public sealed class AwaitedCall
{
    /// <summary>The call's id.</summary>
    public string CallId { get; set; } = "";

    /// <summary>The function's name.</summary>
    public string Name { get; set; } = "";

    /// <summary>The <c>function_result</c> step to send (raw JSON object), once the result is in.</summary>
    public string? ResultStep { get; set; }
}

/// <summary>A result kept until its round is known.</summary>
public sealed class SubmittedResult
{
    /// <summary>The interaction named by the result.</summary>
    public string InteractionId { get; set; } = "";

    /// <summary>The call named by the result.</summary>
    public string CallId { get; set; } = "";

    /// <summary>The <c>function_result</c> step (raw JSON object).</summary>
    public string ResultStep { get; set; } = "";
}

/// <summary>A round that no longer takes results, and the calls it had accepted (to tell duplicates from late ones).</summary>
public sealed class ClosedRound
{
    /// <summary>The interaction.</summary>
    public string InteractionId { get; set; } = "";

    /// <summary>Calls whose results were used.</summary>
    public List<string> AnsweredCallIds { get; set; } = [];
}

/// <summary>A turn waiting to start.</summary>
public sealed class QueuedTurn
{
    /// <summary>The <c>ConversationTurnRequested.requestId</c>: the turn's id.</summary>
    public Guid RequestId { get; set; }

    /// <summary>The new input (raw JSON).</summary>
    public string Input { get; set; } = "";

    /// <summary>Overrides of the create body (raw JSON object), if any.</summary>
    public string? Overrides { get; set; }
}
