using System.Text.Json;
using MassTransit;
using Messaging.Contracts;
using Messaging.Sagas;

namespace Messaging.Worker.Conversations;

/// <summary>
/// One conversation, as the saga keeps it (in memory or as JSON in PostgreSQL). API JSON (the request template,
/// the stateless history, the model's steps, function results) is held as raw JSON text so it is resent
/// exactly as received: thought signatures and function calls byte for byte. What changes a conversation is a method
/// here, so the state machine only decides when.
/// </summary>
internal sealed class ConversationState : SagaStateMachineInstance, ISagaVersion, IDueSaga
{
    /// <summary>The conversationId.</summary>
    public Guid CorrelationId { get; set; }

    /// <summary>Optimistic-concurrency version, kept by the repository.</summary>
    public int Version { get; set; }

    /// <summary>The state machine's state name.</summary>
    public string CurrentState { get; set; } = "";

    /// <summary>The tenant the conversation's tokens count for (its first turn's, as resolved); every request it publishes carries it.</summary>
    public string? Tenant { get; set; }

    /// <summary>True when the conversation runs with <c>store: false</c> and the saga resends the whole history.</summary>
    public bool Stateless { get; set; }

    /// <summary>The create body the turn's requests are built from (no <c>input</c>, <c>previous_interaction_id</c>, <c>stream</c>): raw JSON object.</summary>
    public string? Template { get; set; }

    /// <summary>The running turn's template: <see cref="Template"/> with the turn's overrides; continuations repeat it.</summary>
    public string? TurnTemplate { get; set; }

    /// <summary>The turn running now, or the last one.</summary>
    public Guid? TurnId { get; set; }

    /// <summary>Where the running turn's events are sent as well (its first request's <c>replyTo</c>); its continuations carry it.</summary>
    public string? TurnReplyTo { get; set; }

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

    /// <summary>Requests remembered in <see cref="SeenRequests"/>: enough for every request of the last few turns.</summary>
    public const int SeenRequestsKept = 64;

    /// <summary>
    /// Ends remembered in <see cref="EndedRequests"/>: an end that overtook its request (another replica, a retry) is
    /// looked up when the request comes, which happens within seconds, so a few dozen cover every race.
    /// </summary>
    public const int EndedRequestsKept = 32;

    /// <summary>Rounds remembered in <see cref="ClosedRounds"/>, to tell a late result from an unknown one.</summary>
    public const int ClosedRoundsKept = 32;

    /// <summary>Results held in <see cref="EarlyResults"/> at most; more are refused as unknown.</summary>
    public const int EarlyResultsKept = 256;

    /// <summary>True when the request is the running one or one this conversation has seen: its events are stale, not early.</summary>
    public bool Knows(Guid requestId) => RequestId == requestId || SeenRequests.Contains(requestId);

    /// <summary>True when the end (failed, cancelled, rejected) of the request was seen while it was not the running one.</summary>
    public bool HasEnded(Guid requestId) => EndedRequests.Contains(requestId);

    /// <summary>True when a turn with this id runs or waits.</summary>
    public bool HasTurn(Guid turnId) => TurnId == turnId || QueuedTurns.Any(t => t.RequestId == turnId);

    /// <summary>Moves the conversation's removal to <paramref name="expiresAt"/>: something happened.</summary>
    public void Touch(DateTime expiresAt) => ExpiresAt = expiresAt;

    /// <summary>Adds a request to those seen (bounded, oldest dropped).</summary>
    public void Remember(Guid requestId)
    {
        if (SeenRequests.Contains(requestId)) return;
        SeenRequests.Add(requestId);
        if (SeenRequests.Count > SeenRequestsKept) SeenRequests.RemoveAt(0);
    }

    /// <summary>Remembers the end of a request that was not the running one, in case the request comes later (bounded).</summary>
    public void RecordEnded(Guid requestId)
    {
        if (!EndedRequests.Contains(requestId)) EndedRequests.Add(requestId);
        if (EndedRequests.Count > EndedRequestsKept) EndedRequests.RemoveAt(0);
    }

    /// <summary>A direct publisher's request of the running turn: it becomes the running request unless its end was already seen.</summary>
    public void FollowRequest(Guid requestId)
    {
        Remember(requestId);
        if (HasEnded(requestId)) return;
        RequestId = requestId;
        InteractionId = null;
    }

    /// <summary>A direct publisher's request that starts a turn: the turn repeats its body; a stateless one brings its whole history.</summary>
    public void BeginPublishedTurn(InteractionRequested request, string? tenant)
    {
        Remember(request.RequestId);
        Tenant = tenant;
        var template = ConversationRequests.Template(request.Request);
        Template = template;
        Stateless = ConversationRequests.IsStateless(template);
        BeginTurn(request.TurnId ?? request.RequestId, template);
        TurnReplyTo = request.ReplyTo;
        RequestId = request.RequestId;
        if (Stateless && request.Request.ValueKind == JsonValueKind.Object && request.Request.TryGetProperty("input", out var input))
            TurnHistory = ConversationRequests.InputSteps(input);
    }

    /// <summary>A saga-managed conversation's settings, from its first <see cref="ConversationTurnRequested"/> (until a first request, if one comes, sets them).</summary>
    public void AdoptFirstTurn(ConversationTurnRequested turn, string? tenant)
    {
        // Its overrides are the conversation's settings: later turns reuse its model, tools and config.
        Template = ConversationRequests.Template(turn.Request);
        Tenant = tenant;
        Stateless = turn.Request.ValueKind == JsonValueKind.Object
                    && turn.Request.TryGetProperty("store", out var store) && store.ValueKind == JsonValueKind.False;
    }

    /// <summary>Starts a saga-managed turn: the template with its overrides, chained to the last interaction or carrying the history. Returns the create body to send.</summary>
    public JsonElement BeginManagedTurn(Guid turnId, JsonElement input, JsonElement overrides, string? replyTo)
    {
        var template = ConversationRequests.Merge(Template ?? "{}", overrides);
        BeginTurn(turnId, template);
        TurnReplyTo = replyTo;
        RequestId = turnId;
        Remember(turnId);
        if (!Stateless) return ConversationRequests.Chained(template, ConversationRequests.Raw(input), LastInteractionId);
        TurnHistory = ConversationRequests.Concat(History, ConversationRequests.InputSteps(input));
        return ConversationRequests.WithHistory(template, TurnHistory);
    }

    /// <summary>Keeps a turn until the running one ends.</summary>
    public void QueueTurn(ConversationTurnRequested turn) => QueuedTurns.Add(new QueuedTurn
    {
        RequestId = turn.RequestId,
        Input = ConversationRequests.Raw(turn.Input),
        Overrides = turn.Request.ValueKind == JsonValueKind.Object ? ConversationRequests.Raw(turn.Request) : null,
        ReplyTo = turn.ReplyTo,
    });

    /// <summary>Removes and returns the oldest waiting turn.</summary>
    public QueuedTurn DequeueTurn()
    {
        var next = QueuedTurns[0];
        QueuedTurns.RemoveAt(0);
        return next;
    }

    /// <summary>Removes and returns a waiting turn by id, if it waits.</summary>
    public QueuedTurn? RemoveQueuedTurn(Guid turnId)
    {
        if (QueuedTurns.FirstOrDefault(t => t.RequestId == turnId) is not { } turn) return null;
        QueuedTurns.Remove(turn);
        Remember(turnId);
        return turn;
    }

    /// <summary>True when every id the cancel names (turn, request, interaction) is the running turn's.</summary>
    public bool IsTargetedBy(CancelInteraction cancel) =>
        (cancel.TurnId is null || cancel.TurnId == TurnId)
        && (cancel.RequestId is null || cancel.RequestId == RequestId)
        && (cancel.InteractionId is null || cancel.InteractionId == InteractionId || cancel.InteractionId == Awaiting?.InteractionId);

    /// <summary>The running interaction was created.</summary>
    public void StartInteraction(string interactionId) => InteractionId = interactionId;

    /// <summary>The running interaction ended <c>requires_action</c>: a new round waits for its calls' results.</summary>
    public void OpenRound(InteractionRequiresAction action)
    {
        AddUsage(action.Usage);
        InteractionId = action.InteractionId;
        Rounds++;
        Awaiting = new AwaitedRound
        {
            InteractionId = action.InteractionId,
            Steps = action.Steps.ValueKind == JsonValueKind.Array ? ConversationRequests.Raw(action.Steps) : "[]",
            Calls = action.Calls.Select(c => new AwaitedCall { CallId = c.CallId, Name = c.Name }).ToList(),
        };
    }

    /// <summary>True when the round waiting for results is <paramref name="interactionId"/>'s.</summary>
    public bool Awaits(string interactionId) => Awaiting?.InteractionId == interactionId;

    /// <summary>True when the round waiting for results asked for this call.</summary>
    public bool AwaitsCall(string interactionId, string callId) => Awaits(interactionId) && Awaiting!.Calls.Any(c => c.CallId == callId);

    /// <summary>Takes a result for the awaited round; false for a duplicate (its call already has one).</summary>
    public bool AcceptResult(FunctionResultSubmitted result)
    {
        var call = Awaiting!.Calls.First(c => c.CallId == result.CallId);
        if (call.ResultStep is not null) return false;
        call.ResultStep = ConversationRequests.ResultStep(result, call.Name);
        return true;
    }

    /// <summary>True when every call of the awaited round has its result.</summary>
    public bool RoundAnswered => Awaiting is { } round && round.Calls.All(c => c.ResultStep is not null);

    /// <summary>The ended round of <paramref name="interactionId"/>, if it is remembered.</summary>
    public ClosedRound? FindClosedRound(string interactionId) => ClosedRounds.FirstOrDefault(r => r.InteractionId == interactionId);

    /// <summary>True when a result names an interaction whose round is neither awaited nor ended: its round may not have arrived yet.</summary>
    public bool IsUnknownRound(string interactionId) => !Awaits(interactionId) && FindClosedRound(interactionId) is null;

    /// <summary>True when the result is held already, or there is room to hold it.</summary>
    public bool CanHoldEarlyResult(FunctionResultSubmitted result) =>
        EarlyResults.Count < EarlyResultsKept || EarlyResults.Any(r => r.InteractionId == result.InteractionId && r.CallId == result.CallId);

    /// <summary>Holds a result that came before its round (once).</summary>
    public void KeepEarlyResult(FunctionResultSubmitted result)
    {
        if (EarlyResults.Any(r => r.InteractionId == result.InteractionId && r.CallId == result.CallId)) return;
        EarlyResults.Add(new SubmittedResult
        {
            InteractionId = result.InteractionId, CallId = result.CallId, ResultStep = ConversationRequests.ResultStep(result, result.Name ?? ""),
        });
    }

    /// <summary>Removes and returns the held results naming <paramref name="interactionId"/> (every held result when null).</summary>
    public IReadOnlyList<SubmittedResult> TakeEarlyResults(string? interactionId = null)
    {
        var taken = EarlyResults.Where(r => interactionId is null || r.InteractionId == interactionId).ToList();
        foreach (var result in taken) EarlyResults.Remove(result);
        return taken;
    }

    /// <summary>Every call answered: closes the round and returns the create body that sends the results, as the new running request.</summary>
    public JsonElement ContinueRound(Guid requestId)
    {
        var round = Awaiting!;
        var results = ConversationRequests.Concat("[" + string.Join(",", round.Calls.Select(c => c.ResultStep)) + "]");
        var template = TurnTemplate ?? Template ?? "{}";
        JsonElement request;
        if (Stateless)
        {
            TurnHistory = ConversationRequests.Concat(TurnHistory, round.Steps, results);
            request = ConversationRequests.WithHistory(template, TurnHistory);
        }
        else
        {
            request = ConversationRequests.Chained(template, results, round.InteractionId);
        }
        CloseRound();
        RequestId = requestId;
        Remember(requestId);
        InteractionId = null;
        return request;
    }

    /// <summary>The turn's last interaction completed: its usage and steps join the conversation.</summary>
    public void CompleteTurn(InteractionCompleted completed)
    {
        AddUsage(completed.Usage);
        LastInteractionId = completed.InteractionId;
        if (Stateless)
            History = ConversationRequests.Concat(TurnHistory,
                completed.Steps.ValueKind == JsonValueKind.Array ? ConversationRequests.Raw(completed.Steps) : null);
    }

    /// <summary>The running turn is over: its round closes and its per-turn state is cleared (held results must be answered first).</summary>
    public void EndTurn()
    {
        if (Awaiting is not null) CloseRound();
        EarlyResults.Clear();
        TurnHistory = null;
        CancelRequested = false;
    }

    /// <summary>Adds an interaction's token usage to the conversation's totals (the API's field names).</summary>
    public void AddUsage(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object) return;
        foreach (var member in usage.EnumerateObject())
            if (member.Value.ValueKind == JsonValueKind.Number && member.Value.TryGetInt64(out var value))
                Usage[member.Name] = Usage.GetValueOrDefault(member.Name) + value;
    }

    private void BeginTurn(Guid turnId, string template)
    {
        TurnId = turnId;
        TurnTemplate = template;
        TurnCount++;
        Rounds = 0;
        Awaiting = null;
        ResultsDueAt = null;
        CancelRequested = false;
        InteractionId = null;
        TurnHistory = null;
        EarlyResults.Clear();
    }

    private void CloseRound()
    {
        var round = Awaiting!;
        ClosedRounds.Add(new ClosedRound
        {
            InteractionId = round.InteractionId,
            AnsweredCallIds = round.Calls.Where(c => c.ResultStep is not null).Select(c => c.CallId).ToList(),
        });
        if (ClosedRounds.Count > ClosedRoundsKept) ClosedRounds.RemoveAt(0);
        Awaiting = null;
        ResultsDueAt = null;
    }
}

/// <summary>An interaction that ended <c>requires_action</c> and the results collected for its calls.</summary>
internal sealed class AwaitedRound
{
    /// <summary>The interaction that asked.</summary>
    public string InteractionId { get; set; } = "";

    /// <summary>The steps it generated (raw JSON array), resent in stateless mode.</summary>
    public string Steps { get; set; } = "[]";

    /// <summary>Its calls, in the order the model made them; each with its result once submitted.</summary>
    public List<AwaitedCall> Calls { get; set; } = [];
}

/// <summary>One call of an <see cref="AwaitedRound"/>.</summary>
internal sealed class AwaitedCall
{
    /// <summary>The call's id.</summary>
    public string CallId { get; set; } = "";

    /// <summary>The function's name.</summary>
    public string Name { get; set; } = "";

    /// <summary>The <c>function_result</c> step to send (raw JSON object), once the result is in.</summary>
    public string? ResultStep { get; set; }
}

/// <summary>A result kept until its round is known.</summary>
internal sealed class SubmittedResult
{
    /// <summary>The interaction named by the result.</summary>
    public string InteractionId { get; set; } = "";

    /// <summary>The call named by the result.</summary>
    public string CallId { get; set; } = "";

    /// <summary>The <c>function_result</c> step (raw JSON object).</summary>
    public string ResultStep { get; set; } = "";
}

/// <summary>A round that no longer takes results, and the calls it had accepted (to tell duplicates from late ones).</summary>
internal sealed class ClosedRound
{
    /// <summary>The interaction.</summary>
    public string InteractionId { get; set; } = "";

    /// <summary>Calls whose results were used.</summary>
    public List<string> AnsweredCallIds { get; set; } = [];
}

/// <summary>A turn waiting to start.</summary>
internal sealed class QueuedTurn
{
    /// <summary>The <c>ConversationTurnRequested.requestId</c>: the turn's id.</summary>
    public Guid RequestId { get; set; }

    /// <summary>The new input (raw JSON).</summary>
    public string Input { get; set; } = "";

    /// <summary>Overrides of the create body (raw JSON object), if any.</summary>
    public string? Overrides { get; set; }

    /// <summary>Where the turn's events are sent as well, if anywhere.</summary>
    public string? ReplyTo { get; set; }
}
