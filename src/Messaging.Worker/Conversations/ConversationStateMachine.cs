using System.Text.Json;
using MassTransit;
using Messaging.Contracts;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Conversations;

/// <summary>
/// One instance per conversation (correlated by <c>conversationId</c>). It watches the worker's events, runs the
/// function-calling loop (results in, continuation <see cref="InteractionRequested"/> out, for stateful and
/// stateless conversations), serves <see cref="ConversationTurnRequested"/> one turn at a time, and enforces the
/// guards (round limit, result deadline, cancellation, retention). The worker stays the only caller of the API.
/// </summary>
public sealed class ConversationStateMachine : MassTransitStateMachine<ConversationState>
{
    private const int ClosedRoundsKept = 32;
    private const int EarlyResultsKept = 256;
    private const int SeenRequestsKept = 64;

    private readonly ConversationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ConversationStateMachine> _logger;

    /// <summary>Creates the machine with its guards' settings.</summary>
    public ConversationStateMachine(IOptions<ConversationOptions> options, TimeProvider time, ILogger<ConversationStateMachine> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time;
        _logger = logger;

        InstanceState(x => x.CurrentState);
        // Worker events outlive the turn they belong to (a duplicate, the saga's own guard failure): not an error.
        OnUnhandledEvent(context => context.Ignore());

        Event(() => Requested, e => e.CorrelateById(c => c.Message.ConversationId ?? c.Message.RequestId));
        Event(() => TurnRequested, e => e.CorrelateById(c => c.Message.ConversationId));
        // An event can overtake its request (the request's handling was retried after a conflict): until the event is
        // EarlyEventPatience old, an unknown request means "not yet", and the event is retried later.
        Event(() => Started, e => { e.CorrelateById(c => c.Message.ConversationId); e.OnMissingInstance(m => m.ExecuteAsync(DeferIfEarly)); });
        Event(() => RequiresAction, e => { e.CorrelateById(c => c.Message.ConversationId); e.OnMissingInstance(m => m.ExecuteAsync(DeferIfEarly)); });
        Event(() => Completed, e => { e.CorrelateById(c => c.Message.ConversationId); e.OnMissingInstance(m => m.ExecuteAsync(DeferIfEarly)); });
        Event(() => Failed, e => { e.CorrelateById(c => c.Message.ConversationId); e.OnMissingInstance(m => m.ExecuteAsync(DeferIfEarly)); });
        Event(() => Cancelled, e => { e.CorrelateById(c => c.Message.ConversationId); e.OnMissingInstance(m => m.ExecuteAsync(DeferIfEarly)); });
        Event(() => Rejected, e => { e.CorrelateById(c => c.Message.ConversationId); e.OnMissingInstance(m => m.ExecuteAsync(DeferIfEarly)); });
        // A cancel can overtake the request too (published as soon as its requester saw the stream begin).
        Event(() => CancelRequested, e => { e.CorrelateById(c => c.Message.ConversationId ?? Guid.Empty); e.OnMissingInstance(m => m.ExecuteAsync(DeferIfEarly)); });
        Event(() => Due, e => { e.CorrelateById(c => c.Message.ConversationId); e.OnMissingInstance(m => m.Discard()); });
        Event(() => ResultSubmitted, e =>
        {
            e.CorrelateById(c => c.Message.ConversationId);
            e.OnMissingInstance(m => m.ExecuteAsync(async c =>
            {
                await DeferIfEarly(c);
                await c.Publish(Rejection(c.Message, "unknown_conversation",
                    $"conversation {c.Message.ConversationId} is not known (never started, or removed after its retention)"));
            }));
        });

        Initially(
            When(Requested, c => c.Message.RequestId != Guid.Empty).ThenAsync(OnRequested),
            When(TurnRequested).ThenAsync(OnFirstTurnRequested));

        During(Pending,
            When(Requested).ThenAsync(OnRequested),
            When(TurnRequested).ThenAsync(OnTurnWhileBusy));

        During(Idle,
            When(Requested).ThenAsync(OnRequested),
            When(TurnRequested).ThenAsync(c => StartManagedTurn(c, c.Message.RequestId, c.Message.Input, c.Message.Request)));

        During(Streaming, AwaitingFunctionResults,
            When(Requested).ThenAsync(OnRequested),
            When(TurnRequested).ThenAsync(OnTurnWhileBusy));

        DuringAny(
            When(Started).ThenAsync(OnStarted),
            When(RequiresAction).ThenAsync(OnRequiresAction),
            When(Completed).ThenAsync(OnCompleted),
            When(Failed).ThenAsync(c => OnRequestEnded(c, c.Message.RequestId)),
            When(Cancelled).ThenAsync(c => OnRequestEnded(c, c.Message.RequestId)),
            When(Rejected).ThenAsync(c => OnRequestEnded(c, c.Message.RequestId)),
            When(ResultSubmitted).ThenAsync(OnResultSubmitted),
            When(CancelRequested).ThenAsync(OnCancelRequested),
            When(Due).ThenAsync(OnDue));

        SetCompletedWhenFinalized();
    }

    /// <summary>Turns were requested for a conversation the saga has not seen start yet; they wait for <see cref="ConversationOptions.StartGrace"/>.</summary>
    public State Pending { get; private set; } = null!;

    /// <summary>A turn's interaction is running (or about to: its request is on the work queue).</summary>
    public State Streaming { get; private set; } = null!;

    /// <summary>The turn's last interaction ended <c>requires_action</c>; waiting for every result.</summary>
    public State AwaitingFunctionResults { get; private set; } = null!;

    /// <summary>No turn runs; the next one may start.</summary>
    public State Idle { get; private set; } = null!;

    /// <summary>Any request on the work queue: starts or continues a turn.</summary>
    public Event<InteractionRequested> Requested { get; private set; } = null!;

    /// <summary>A saga-managed turn.</summary>
    public Event<ConversationTurnRequested> TurnRequested { get; private set; } = null!;

    /// <summary>The worker created an interaction.</summary>
    public Event<InteractionStarted> Started { get; private set; } = null!;

    /// <summary>The model asked for function results.</summary>
    public Event<InteractionRequiresAction> RequiresAction { get; private set; } = null!;

    /// <summary>An executor's result.</summary>
    public Event<FunctionResultSubmitted> ResultSubmitted { get; private set; } = null!;

    /// <summary>The turn's last interaction completed.</summary>
    public Event<InteractionCompleted> Completed { get; private set; } = null!;

    /// <summary>The running request failed.</summary>
    public Event<InteractionFailed> Failed { get; private set; } = null!;

    /// <summary>The running request was cancelled.</summary>
    public Event<InteractionCancelled> Cancelled { get; private set; } = null!;

    /// <summary>The running request was invalid.</summary>
    public Event<InteractionRejected> Rejected { get; private set; } = null!;

    /// <summary>Someone asked to cancel the conversation's turn.</summary>
    public Event<CancelInteraction> CancelRequested { get; private set; } = null!;

    /// <summary>The sweeper says a deadline may have passed.</summary>
    public Event<ConversationDue> Due { get; private set; } = null!;

    private DateTime Now => _time.GetUtcNow().UtcDateTime;

    private void Touch(ConversationState saga) => saga.ExpiresAt = Now + _options.Retention;

    // A direct publisher's request: a new turn, or a request of the running turn (ours or the publisher's own).
    private async Task OnRequested(BehaviorContext<ConversationState, InteractionRequested> context)
    {
        var saga = context.Saga;
        var message = context.Message;
        Touch(saga);
        if (saga.RequestId == message.RequestId) return; // our own continuation, or a redelivery
        Remember(saga, message.RequestId);
        if (saga.EndedRequests.Contains(message.RequestId) && saga.TurnId == (message.TurnId ?? message.RequestId)) return;
        var turnId = message.TurnId ?? message.RequestId;
        saga.RequestId = message.RequestId;
        saga.InteractionId = null;
        if (saga.TurnId == turnId) return;

        var template = ConversationRequests.Template(message.Request);
        saga.Template = template;
        saga.Stateless = ConversationRequests.IsStateless(template);
        BeginTurn(saga, turnId, template);
        if (saga.Stateless && message.Request.ValueKind == JsonValueKind.Object && message.Request.TryGetProperty("input", out var input))
            saga.TurnHistory = ConversationRequests.InputSteps(input); // a direct publisher sends its whole history
        await context.TransitionToState(Streaming);
        if (saga.EndedRequests.Contains(message.RequestId)) await EndTurn(context);
    }

    // The running request failed, was cancelled or rejected; any other request's end is remembered in case its request comes later.
    private async Task OnRequestEnded(BehaviorContext<ConversationState> context, Guid requestId)
    {
        var saga = context.Saga;
        var running = saga.CurrentState == Streaming.Name || saga.CurrentState == AwaitingFunctionResults.Name;
        if (running && requestId == saga.RequestId)
        {
            await EndTurn(context);
            return;
        }
        if (!Knows(saga, requestId)) await DeferIfEarly(context);
        if (!saga.EndedRequests.Contains(requestId)) saga.EndedRequests.Add(requestId);
        if (saga.EndedRequests.Count > ClosedRoundsKept) saga.EndedRequests.RemoveAt(0);
    }

    private async Task OnFirstTurnRequested(BehaviorContext<ConversationState, ConversationTurnRequested> context)
    {
        var message = context.Message;
        context.Saga.Template = "{}";
        context.Saga.Stateless = message.Request.ValueKind == JsonValueKind.Object
                                 && message.Request.TryGetProperty("store", out var store) && store.ValueKind == JsonValueKind.False;
        if (ConversationRequests.NamesModelOrAgent(message.Request))
        {
            await StartManagedTurn(context, message.RequestId, message.Input, message.Request);
            return;
        }
        // The conversation's first request may still be on its way (another replica, a retry): hold the turn a little.
        await OnTurnWhileBusy(context);
        context.Saga.ExpiresAt = Now + _options.StartGrace;
        await context.TransitionToState(Pending);
    }

    private async Task OnTurnWhileBusy(BehaviorContext<ConversationState, ConversationTurnRequested> context)
    {
        var saga = context.Saga;
        var message = context.Message;
        if (saga.CurrentState != Pending.Name) Touch(saga);
        if (saga.TurnId == message.RequestId || saga.QueuedTurns.Any(t => t.RequestId == message.RequestId)) return; // redelivery
        if (saga.QueuedTurns.Count >= _options.MaxQueuedTurns)
        {
            await RejectTurn(context, "conversationId", $"{saga.QueuedTurns.Count} turns already wait in this conversation (Conversations:MaxQueuedTurns)");
            return;
        }
        if (await CheckTurn(context) is false) return;
        saga.QueuedTurns.Add(new QueuedTurn
        {
            RequestId = message.RequestId,
            Input = ConversationRequests.Raw(message.Input),
            Overrides = message.Request.ValueKind == JsonValueKind.Object ? ConversationRequests.Raw(message.Request) : null,
        });
    }

    private async Task StartManagedTurn(BehaviorContext<ConversationState> context, Guid requestId, JsonElement input, JsonElement overrides)
    {
        var saga = context.Saga;
        Touch(saga);
        if (saga.TurnId == requestId) return; // redelivery
        if (context is BehaviorContext<ConversationState, ConversationTurnRequested> turn && await CheckTurn(turn) is false) return;

        var template = ConversationRequests.Merge(saga.Template ?? "{}", overrides);
        BeginTurn(saga, requestId, template);
        JsonElement request;
        if (saga.Stateless)
        {
            saga.TurnHistory = ConversationRequests.Concat(saga.History, ConversationRequests.InputSteps(input));
            request = ConversationRequests.WithHistory(template, saga.TurnHistory);
        }
        else
        {
            request = ConversationRequests.Chained(template, ConversationRequests.Raw(input), saga.LastInteractionId);
        }
        saga.RequestId = requestId;
        Remember(saga, requestId);
        await context.Publish(new InteractionRequested { RequestId = requestId, ConversationId = saga.CorrelationId, TurnId = requestId, Request = request });
        await context.TransitionToState(Streaming);
    }

    private static async Task<bool> CheckTurn(BehaviorContext<ConversationState, ConversationTurnRequested> context)
    {
        var message = context.Message;
        if (message.RequestId == Guid.Empty)
        {
            await RejectTurn(context, "requestId", "is required: a UUID that identifies this turn");
            return false;
        }
        if (message.Input.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            await RejectTurn(context, "input", "is required: a string, a content block, or a list of content blocks or steps");
            return false;
        }
        if (message.Request.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.Object))
        {
            await RejectTurn(context, "request", "must be a JSON object of create-body overrides, or left out");
            return false;
        }
        if (message.Request.ValueKind == JsonValueKind.Object && message.Request.TryGetProperty("store", out var store)
            && (store.ValueKind == JsonValueKind.False) != context.Saga.Stateless)
        {
            await RejectTurn(context, "request.store", context.Saga.Stateless
                ? "this conversation is stateless (store: false) from its first turn; it cannot switch to stored interactions"
                : "this conversation is stored from its first turn; it cannot switch to store: false (the saga holds no history for it)");
            return false;
        }
        return true;
    }

    private static void BeginTurn(ConversationState saga, Guid turnId, string template)
    {
        saga.TurnId = turnId;
        saga.TurnTemplate = template;
        saga.TurnCount++;
        saga.Rounds = 0;
        saga.Awaiting = null;
        saga.ResultsDueAt = null;
        saga.CancelRequested = false;
        saga.InteractionId = null;
        saga.TurnHistory = null;
        saga.EarlyResults.Clear();
    }

    private async Task OnStarted(BehaviorContext<ConversationState, InteractionStarted> context)
    {
        var saga = context.Saga;
        if (!await IsRunningRequest(context, context.Message.RequestId)) return;
        Touch(saga);
        saga.InteractionId = context.Message.InteractionId;
        if (!saga.CancelRequested) return;
        // The cancel may have reached the replicas before any held this request: send it again now that one does. The
        // mark stays until the turn ends: if the stream ends requires_action first, the saga ends the turn itself.
        await context.Publish(new CancelInteraction { ConversationId = saga.CorrelationId, RequestId = saga.RequestId });
    }

    private async Task OnRequiresAction(BehaviorContext<ConversationState, InteractionRequiresAction> context)
    {
        var saga = context.Saga;
        var message = context.Message;
        if (!await IsRunningRequest(context, message.RequestId)) return;
        Touch(saga);
        AddUsage(saga, message.Usage);
        saga.InteractionId = message.InteractionId;
        saga.Rounds++;
        saga.Awaiting = new AwaitedRound
        {
            InteractionId = message.InteractionId,
            Steps = message.Steps.ValueKind == JsonValueKind.Array ? ConversationRequests.Raw(message.Steps) : "[]",
            Calls = message.Calls.Select(c => new AwaitedCall { CallId = c.CallId, Name = c.Name }).ToList(),
        };
        if (saga.CancelRequested)
        {
            // The cancel came while the stream was ending: no replica holds it any more, so the saga ends the turn.
            await RejectEarlyResults(context, message.InteractionId, "the turn was cancelled before this result could be used");
            await context.Publish(new InteractionCancelled
            {
                RequestId = saga.RequestId ?? Guid.Empty, ConversationId = saga.CorrelationId, TurnId = saga.TurnId ?? Guid.Empty, InteractionId = message.InteractionId,
            });
            await EndTurn(context);
            return;
        }
        var refusal = message.Calls.Count == 0
            ? ("unsupported_action", $"interaction {message.InteractionId} requires an action that is not a function call; the saga can only answer function calls")
            : saga.Rounds > _options.MaxFunctionRounds
                ? ("round_limit", $"the turn asked for function results {saga.Rounds} times; the limit is {_options.MaxFunctionRounds} (Conversations:MaxFunctionRounds)")
                : default((string Reason, string Message)?);
        if (refusal is { } refused)
        {
            // Results already in for the refused round are not used: their executors hear so.
            await RejectEarlyResults(context, message.InteractionId, $"the turn failed ({refused.Reason}) before this result could be used");
            await FailTurn(context, refused.Reason, refused.Message);
            return;
        }

        saga.ResultsDueAt = Now + _options.FunctionResultTimeout;
        await context.TransitionToState(AwaitingFunctionResults);

        foreach (var early in saga.EarlyResults.Where(r => r.InteractionId == message.InteractionId).ToList())
        {
            saga.EarlyResults.Remove(early);
            if (saga.Awaiting.Calls.FirstOrDefault(c => c.CallId == early.CallId) is { } call) call.ResultStep ??= early.ResultStep;
            else await context.Publish(new FunctionResultRejected
            {
                ConversationId = saga.CorrelationId, InteractionId = early.InteractionId, CallId = early.CallId, Reason = "unknown_call",
                Message = UnknownCallMessage(saga.Awaiting, early.CallId),
            });
        }
        if (saga.Awaiting.Calls.All(c => c.ResultStep is not null)) await Continue(context);
    }

    private async Task OnResultSubmitted(BehaviorContext<ConversationState, FunctionResultSubmitted> context)
    {
        var saga = context.Saga;
        var message = context.Message;
        Touch(saga);
        if (saga.Awaiting is { } round && round.InteractionId == message.InteractionId)
        {
            var call = round.Calls.FirstOrDefault(c => c.CallId == message.CallId);
            if (call is null)
            {
                await context.Publish(Rejection(message, "unknown_call", UnknownCallMessage(round, message.CallId)));
                return;
            }
            if (call.ResultStep is not null)
            {
                _logger.LogDebug("Duplicate result for call {CallId} of {InteractionId} ignored", message.CallId, message.InteractionId);
                return;
            }
            call.ResultStep = ConversationRequests.ResultStep(message, call.Name);
            if (round.Calls.All(c => c.ResultStep is not null)) await Continue(context);
            return;
        }

        if (saga.ClosedRounds.FirstOrDefault(r => r.InteractionId == message.InteractionId) is { } closed)
        {
            if (closed.AnsweredCallIds.Contains(message.CallId)) return; // a duplicate of a result already used
            await context.Publish(Rejection(message, "late", $"interaction {message.InteractionId} no longer takes results: its round already ended"));
            return;
        }

        var turnRunning = saga.CurrentState == Streaming.Name;
        if (turnRunning && saga.EarlyResults.Count < EarlyResultsKept)
        {
            // The executor was faster than this queue: keep the result until the round it answers arrives.
            if (!saga.EarlyResults.Any(r => r.InteractionId == message.InteractionId && r.CallId == message.CallId))
                saga.EarlyResults.Add(new SubmittedResult
                {
                    InteractionId = message.InteractionId, CallId = message.CallId, ResultStep = ConversationRequests.ResultStep(message, message.Name ?? ""),
                });
            return;
        }
        await context.Publish(Rejection(message, "unknown_interaction",
            $"interaction {message.InteractionId} is not waiting for function results in conversation {message.ConversationId}"));
    }

    // Every call has its result: send them, and go on streaming the same turn.
    private async Task Continue(BehaviorContext<ConversationState> context)
    {
        var saga = context.Saga;
        var round = saga.Awaiting!;
        var results = ConversationRequests.Concat("[" + string.Join(",", round.Calls.Select(c => c.ResultStep)) + "]");
        var template = saga.TurnTemplate ?? saga.Template ?? "{}";
        JsonElement request;
        if (saga.Stateless)
        {
            saga.TurnHistory = ConversationRequests.Concat(saga.TurnHistory, round.Steps, results);
            request = ConversationRequests.WithHistory(template, saga.TurnHistory);
        }
        else
        {
            request = ConversationRequests.Chained(template, results, round.InteractionId);
        }

        CloseRound(saga);
        var requestId = NewId.NextGuid();
        saga.RequestId = requestId;
        Remember(saga, requestId);
        saga.InteractionId = null;
        await context.Publish(new InteractionRequested { RequestId = requestId, ConversationId = saga.CorrelationId, TurnId = saga.TurnId, Request = request });
        await context.TransitionToState(Streaming);
    }

    private async Task OnCompleted(BehaviorContext<ConversationState, InteractionCompleted> context)
    {
        var saga = context.Saga;
        var message = context.Message;
        if (!await IsRunningRequest(context, message.RequestId)) return;
        AddUsage(saga, message.Usage);
        saga.LastInteractionId = message.InteractionId;
        if (saga.Stateless)
            saga.History = ConversationRequests.Concat(saga.TurnHistory,
                message.Steps.ValueKind == JsonValueKind.Array ? ConversationRequests.Raw(message.Steps) : null);
        await EndTurn(context);
    }

    private async Task OnCancelRequested(BehaviorContext<ConversationState, CancelInteraction> context)
    {
        var saga = context.Saga;
        var message = context.Message;
        Touch(saga);
        var wholeConversation = message.TurnId is null && message.RequestId is null && message.InteractionId is null;

        if (message.TurnId is { } turnId && saga.QueuedTurns.FirstOrDefault(t => t.RequestId == turnId) is { } queued)
        {
            saga.QueuedTurns.Remove(queued);
            Remember(saga, turnId);
            await context.Publish(new InteractionCancelled { RequestId = turnId, ConversationId = saga.CorrelationId, TurnId = turnId });
            return;
        }
        var running = saga.CurrentState == Streaming.Name || saga.CurrentState == AwaitingFunctionResults.Name;
        var targetsRunningTurn = running
                                 && (message.TurnId is null || message.TurnId == saga.TurnId)
                                 && (message.RequestId is null || message.RequestId == saga.RequestId)
                                 && (message.InteractionId is null || message.InteractionId == saga.InteractionId || message.InteractionId == saga.Awaiting?.InteractionId);
        if (!targetsRunningTurn) return;

        if (wholeConversation)
        {
            foreach (var turn in saga.QueuedTurns)
                await context.Publish(new InteractionCancelled { RequestId = turn.RequestId, ConversationId = saga.CorrelationId, TurnId = turn.RequestId });
            saga.QueuedTurns.Clear();
        }

        if (saga.Awaiting is { } round)
        {
            // No replica holds a stream while the saga waits for results: the saga ends the turn itself.
            await context.Publish(new InteractionCancelled
            {
                RequestId = saga.RequestId ?? Guid.Empty, ConversationId = saga.CorrelationId, TurnId = saga.TurnId ?? Guid.Empty, InteractionId = round.InteractionId,
            });
            await EndTurn(context);
        }
        else
        {
            // The replica holding the stream stops it (InteractionCancelled ends the turn). Until then the mark covers
            // the races: no replica holds the request yet (OnStarted sends the cancel again), or the stream already
            // ended requires_action and the saga has not handled that yet (OnRequiresAction ends the turn).
            saga.CancelRequested = true;
        }
    }

    private static async Task RejectEarlyResults(BehaviorContext<ConversationState> context, string interactionId, string why)
    {
        var saga = context.Saga;
        foreach (var early in saga.EarlyResults.Where(r => r.InteractionId == interactionId).ToList())
        {
            saga.EarlyResults.Remove(early);
            await context.Publish(new FunctionResultRejected
            {
                ConversationId = saga.CorrelationId, InteractionId = early.InteractionId, CallId = early.CallId, Reason = "late", Message = why,
            });
        }
    }

    private async Task OnDue(BehaviorContext<ConversationState, ConversationDue> context)
    {
        var saga = context.Saga;
        var now = Now;
        if (saga.Awaiting is { } round && saga.ResultsDueAt <= now)
        {
            var missing = string.Join(", ", round.Calls.Where(c => c.ResultStep is null).Select(c => $"{c.Name} ({c.CallId})"));
            await FailTurn(context, "timeout",
                $"no result for {missing} within {_options.FunctionResultTimeout} (Conversations:FunctionResultTimeout)");
            Touch(saga);
            return;
        }
        if (saga.ExpiresAt > now) return;

        if (saga.CurrentState == Pending.Name)
        {
            foreach (var turn in saga.QueuedTurns)
                await context.Publish(new InteractionRejected
                {
                    RequestId = turn.RequestId, ConversationId = saga.CorrelationId, TurnId = turn.RequestId,
                    Errors = [new ValidationProblem("conversationId",
                        $"conversation {saga.CorrelationId} is not known: start it with InteractionRequested, or give request.model or request.agent")],
                });
            saga.QueuedTurns.Clear();
            await context.TransitionToState(Final);
            return;
        }
        if (saga.CurrentState == Streaming.Name || saga.CurrentState == AwaitingFunctionResults.Name)
            await FailTurn(context, "expired", $"the conversation had no activity for {_options.Retention} (Conversations:Retention) and was removed");
        foreach (var turn in saga.QueuedTurns)
            await context.Publish(new InteractionFailed
            {
                RequestId = turn.RequestId, ConversationId = saga.CorrelationId, TurnId = turn.RequestId, Reason = "expired",
                Message = "the conversation was removed before this turn could start",
            });
        saga.QueuedTurns.Clear();
        await context.TransitionToState(Final);
    }

    /// <summary>True when the event belongs to the request the running turn waits on; false for a stale one; throws for an early one.</summary>
    private async Task<bool> IsRunningRequest(BehaviorContext<ConversationState> context, Guid requestId)
    {
        var saga = context.Saga;
        if (saga.CurrentState == Streaming.Name && requestId == saga.RequestId) return true;
        if (!Knows(saga, requestId)) await DeferIfEarly(context);
        return false;
    }

    private static bool Knows(ConversationState saga, Guid requestId) => saga.RequestId == requestId || saga.SeenRequests.Contains(requestId);

    private static void Remember(ConversationState saga, Guid requestId)
    {
        if (saga.SeenRequests.Contains(requestId)) return;
        saga.SeenRequests.Add(requestId);
        if (saga.SeenRequests.Count > SeenRequestsKept) saga.SeenRequests.RemoveAt(0);
    }

    private Task DeferIfEarly(ConsumeContext context)
    {
        if (context.SentTime is { } sent && Now - sent < _options.EarlyEventPatience)
            throw new EarlyEventException($"{context.ReceiveContext.InputAddress}: an event of a request this conversation has not seen yet; retried until it is {_options.EarlyEventPatience} old");
        return Task.CompletedTask;
    }

    // A guard tripped: the requester hears InteractionFailed for the turn, and the saga is idle again.
    private async Task FailTurn(BehaviorContext<ConversationState> context, string reason, string message)
    {
        var saga = context.Saga;
        _logger.LogInformation("Conversation {ConversationId} turn {TurnId} failed: {Reason}: {Message}", saga.CorrelationId, saga.TurnId, reason, message);
        await context.Publish(new InteractionFailed
        {
            RequestId = saga.RequestId ?? Guid.Empty,
            ConversationId = saga.CorrelationId,
            TurnId = saga.TurnId ?? Guid.Empty,
            InteractionId = saga.Awaiting?.InteractionId ?? saga.InteractionId ?? "",
            Reason = reason,
            Message = message,
        });
        await EndTurn(context);
    }

    private async Task EndTurn(BehaviorContext<ConversationState> context)
    {
        var saga = context.Saga;
        Touch(saga);
        if (saga.Awaiting is not null) CloseRound(saga);
        foreach (var early in saga.EarlyResults)
            await context.Publish(new FunctionResultRejected
            {
                ConversationId = saga.CorrelationId, InteractionId = early.InteractionId, CallId = early.CallId, Reason = "unknown_interaction",
                Message = $"the turn ended and interaction {early.InteractionId} never asked for call {early.CallId}",
            });
        saga.EarlyResults.Clear();
        saga.TurnHistory = null;
        saga.CancelRequested = false;
        await context.TransitionToState(Idle);

        if (saga.QueuedTurns.Count == 0) return;
        var next = saga.QueuedTurns[0];
        saga.QueuedTurns.RemoveAt(0);
        using var input = JsonDocument.Parse(next.Input);
        using var overrides = next.Overrides is null ? null : JsonDocument.Parse(next.Overrides);
        await StartManagedTurn(context, next.RequestId, input.RootElement, overrides?.RootElement ?? default);
    }

    private static void CloseRound(ConversationState saga)
    {
        var round = saga.Awaiting!;
        saga.ClosedRounds.Add(new ClosedRound
        {
            InteractionId = round.InteractionId,
            AnsweredCallIds = round.Calls.Where(c => c.ResultStep is not null).Select(c => c.CallId).ToList(),
        });
        if (saga.ClosedRounds.Count > ClosedRoundsKept) saga.ClosedRounds.RemoveAt(0);
        saga.Awaiting = null;
        saga.ResultsDueAt = null;
    }

    private static async Task RejectTurn(BehaviorContext<ConversationState, ConversationTurnRequested> context, string field, string problem)
    {
        Remember(context.Saga, context.Message.RequestId);
        await context.Publish(new InteractionRejected
        {
            RequestId = context.Message.RequestId,
            ConversationId = context.Message.ConversationId,
            TurnId = context.Message.RequestId,
            Errors = [new ValidationProblem(field, problem)],
        });
    }

    private static FunctionResultRejected Rejection(FunctionResultSubmitted message, string reason, string text) => new()
    {
        ConversationId = message.ConversationId, InteractionId = message.InteractionId, CallId = message.CallId, Reason = reason, Message = text,
    };

    private static string UnknownCallMessage(AwaitedRound round, string callId) =>
        $"interaction {round.InteractionId} asked for no call {callId}; it waits for {string.Join(", ", round.Calls.Select(c => c.CallId))}";

    private static void AddUsage(ConversationState saga, JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object) return;
        foreach (var member in usage.EnumerateObject())
            if (member.Value.ValueKind == JsonValueKind.Number && member.Value.TryGetInt64(out var value))
                saga.Usage[member.Name] = saga.Usage.GetValueOrDefault(member.Name) + value;
    }
}
