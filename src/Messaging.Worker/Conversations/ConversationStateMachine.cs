using MassTransit;
using Messaging.Contracts;
using Messaging.Worker.Tenants;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Conversations;

/// <summary>
/// One instance per conversation (correlated by <c>conversationId</c>). It watches the worker's events, runs the
/// function-calling loop (results in, continuation <see cref="InteractionRequested"/> out, for stateful and
/// stateless conversations), serves <see cref="ConversationTurnRequested"/> one turn at a time, and enforces the
/// guards (round limit, result deadline, cancellation, retention). The worker stays the only caller of the API.
/// The constructor is the protocol; what each step does is named in <see cref="ConversationBinders"/>, what it changes
/// is a method of <see cref="ConversationState"/>, what it publishes is built by <see cref="ConversationMessages"/>.
/// </summary>
internal sealed class ConversationStateMachine : MassTransitStateMachine<ConversationState>
{
    /// <summary>Creates the machine with its guards' settings and its clock.</summary>
    public ConversationStateMachine(IOptions<ConversationOptions> options, TimeProvider time, TenantResolver tenants, ILogger<ConversationStateMachine> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var rules = Rules = new ConversationRules(options.Value, time, tenants);

        InstanceState(x => x.CurrentState);
        // Worker events outlive the turn they belong to (a duplicate, the saga's own guard failure): not an error.
        OnUnhandledEvent(context => context.Ignore());

        Event(() => Requested, e => e.CorrelateById(c => c.Message.ConversationId ?? c.Message.RequestId));
        Event(() => TurnRequested, e => e.CorrelateById(c => c.Message.ConversationId));
        // An event can overtake its request (another replica, or a retry after a conflict, still holds it): until the
        // event is EarlyEventPatience old, an unknown request means "not yet", and the event is retried.
        Event(() => Started, e => e.CorrelateById(c => c.Message.ConversationId).OnMissingInstance(m => m.ExecuteAsync(rules.WaitIfEarly)));
        Event(() => RequiresAction, e => e.CorrelateById(c => c.Message.ConversationId).OnMissingInstance(m => m.ExecuteAsync(rules.WaitIfEarly)));
        Event(() => Completed, e => e.CorrelateById(c => c.Message.ConversationId).OnMissingInstance(m => m.ExecuteAsync(rules.WaitIfEarly)));
        Event(() => Failed, e => e.CorrelateById(c => c.Message.ConversationId).OnMissingInstance(m => m.ExecuteAsync(rules.WaitIfEarly)));
        Event(() => Cancelled, e => e.CorrelateById(c => c.Message.ConversationId).OnMissingInstance(m => m.ExecuteAsync(rules.WaitIfEarly)));
        Event(() => Rejected, e => e.CorrelateById(c => c.Message.ConversationId).OnMissingInstance(m => m.ExecuteAsync(rules.WaitIfEarly)));
        // A cancel can overtake its request too. One without a conversationId is not the saga's to find here:
        // ConversationCancelRouter looks its conversation up and sends it back with the id.
        Event(() => CancelRequested, e => e.CorrelateById(c => c.Message.ConversationId ?? Guid.Empty)
            .OnMissingInstance(m => m.ExecuteAsync(c => c.Message.ConversationId is null ? Task.CompletedTask : rules.WaitIfEarly(c))));
        Event(() => Due, e => e.CorrelateById(c => c.Message.ConversationId).OnMissingInstance(m => m.Discard()));
        Event(() => ResultSubmitted, e => e.CorrelateById(c => c.Message.ConversationId).OnMissingInstance(m => m.ExecuteAsync(async c =>
        {
            await rules.WaitIfEarly(c);
            await c.Publish(ConversationMessages.ResultRejected(c.Message, "unknown_conversation",
                $"conversation {c.Message.ConversationId} is not known (never started, or removed after its retention)"));
        })));

        Initially(
            // A direct publisher's first request starts the conversation and its first turn.
            When(Requested, c => c.Message.RequestId != Guid.Empty)
                .Touch(rules)
                .Then(c => c.Saga.BeginPublishedTurn(c.Message, rules.TenantOf(c)))
                .TransitionTo(Streaming),
            // A saga-managed conversation: the first turn names the model (or agent) and runs at once; without one it
            // waits a little, since the conversation's first request may still be on its way (another replica, a retry).
            When(TurnRequested)
                .Then(c => c.Saga.AdoptFirstTurn(c.Message, rules.TenantOf(c)))
                .IfElse(c => rules.TurnProblem(c) is not null,
                    // Stays unstarted (a later valid turn may start it) until StartGrace has passed.
                    invalid => invalid.RejectTurn(rules).Then(c => c.Saga.Touch(rules.GraceFromNow)),
                    valid => valid.IfElse(c => ConversationRequests.NamesModelOrAgent(c.Message.Request),
                        start => start.StartTurn(rules).TransitionTo(Streaming),
                        wait => wait.QueueTurn(rules).Then(c => c.Saga.Touch(rules.GraceFromNow)).TransitionTo(Pending))),
            When(Due, c => rules.HasExpired(c.Saga))
                .Finalize());

        During(Pending,
            When(TurnRequested, c => !c.Saga.HasTurn(c.Message.RequestId))
                .QueueTurn(rules),
            // The first request never came: the conversation is unknown.
            When(Due, c => rules.HasExpired(c.Saga))
                .RejectQueuedTurnsAsUnknown()
                .Finalize());

        During(Idle,
            When(TurnRequested, c => !c.Saga.HasTurn(c.Message.RequestId))
                .IfElse(c => rules.TurnProblem(c) is not null,
                    invalid => invalid.Touch(rules).RejectTurn(rules),
                    valid => valid.StartTurn(rules).TransitionTo(Streaming)),
            When(Due, c => rules.HasExpired(c.Saga))
                .FailQueuedTurns("expired", "the conversation was removed before this turn could start")
                .Finalize());

        During(Streaming, AwaitingFunctionResults,
            When(TurnRequested)
                .Touch(rules),
            When(TurnRequested, c => !c.Saga.HasTurn(c.Message.RequestId))
                .QueueTurn(rules));

        During(Streaming,
            When(Started, c => c.Message.RequestId == c.Saga.RequestId)
                .Touch(rules)
                .Then(c => c.Saga.StartInteraction(c.Message.InteractionId))
                // A cancel may have reached the replicas before any held this request: send it again now that one does.
                // The mark stays until the turn ends: if the stream ends requires_action first, the saga ends the turn itself.
                .If(c => c.Saga.CancelRequested, cancel => cancel
                    .Publish(c => ConversationMessages.CancelRunningRequest(c.Saga))),
            When(RequiresAction, c => c.Message.RequestId == c.Saga.RequestId)
                .Touch(rules)
                .Then(c => c.Saga.OpenRound(c.Message))
                .IfElse(c => c.Saga.CancelRequested,
                    // The cancel came while the stream was ending: no replica holds it any more, so the saga ends the turn.
                    cancelled => cancelled
                        .RejectEarlyResults(_ => "the turn was cancelled before this result could be used")
                        .PublishToTurnRequester(c => ConversationMessages.TurnCancelled(c.Saga, c.Message.InteractionId))
                        .EndTurn(rules)
                        .StartNextTurnOrIdle(Idle, Streaming),
                    asked => asked.IfElse(c => rules.RoundRefusal(c.Saga, c.Message) is not null,
                        refused => refused
                            .RejectEarlyResults(c => $"the turn failed ({rules.RoundRefusal(c.Saga, c.Message)!.Value.Reason}) before this result could be used")
                            .FailTurn(c => rules.RoundRefusal(c.Saga, c.Message)!.Value, logger)
                            .EndTurn(rules)
                            .StartNextTurnOrIdle(Idle, Streaming),
                        answerable => answerable
                            .Then(c => c.Saga.ResultsDueAt = rules.ResultsDueFromNow)
                            .TransitionTo(AwaitingFunctionResults)
                            .ApplyEarlyResults()
                            .If(c => c.Saga.RoundAnswered, answered => answered
                                .ContinueRound()
                                .TransitionTo(Streaming)))),
            When(Completed, c => c.Message.RequestId == c.Saga.RequestId)
                .Then(c => c.Saga.CompleteTurn(c.Message))
                .EndTurn(rules)
                .StartNextTurnOrIdle(Idle, Streaming),
            // The executor was faster than this queue: the result waits for the round it answers.
            When(ResultSubmitted, c => c.Saga.IsUnknownRound(c.Message.InteractionId) && c.Saga.CanHoldEarlyResult(c.Message))
                .Touch(rules)
                .Then(c => c.Saga.KeepEarlyResult(c.Message)),
            When(ResultSubmitted, c => c.Saga.IsUnknownRound(c.Message.InteractionId) && !c.Saga.CanHoldEarlyResult(c.Message))
                .Touch(rules)
                .Publish(c => ConversationMessages.ResultRejected(c.Message, "unknown_interaction", NotWaiting(c.Message))),
            When(CancelRequested, c => c.Saga.IsTargetedBy(c.Message))
                .Touch(rules)
                .CancelQueuedTurnsIfWholeConversation()
                // The replica holding the stream stops it, and its InteractionCancelled ends the turn. Until then the mark
                // covers the races: no replica holds the request yet, or the stream already ended requires_action.
                .Then(c => c.Saga.CancelRequested = true));

        During(AwaitingFunctionResults,
            When(ResultSubmitted, c => c.Saga.AwaitsCall(c.Message.InteractionId, c.Message.CallId))
                .Touch(rules)
                .Then(c =>
                {
                    if (!c.Saga.AcceptResult(c.Message))
                        logger.LogDebug("Duplicate result for call {CallId} of {InteractionId} ignored", c.Message.CallId, c.Message.InteractionId);
                })
                .If(c => c.Saga.RoundAnswered, answered => answered
                    .ContinueRound()
                    .TransitionTo(Streaming)),
            When(ResultSubmitted, c => c.Saga.Awaits(c.Message.InteractionId) && !c.Saga.AwaitsCall(c.Message.InteractionId, c.Message.CallId))
                .Touch(rules)
                .Publish(c => ConversationMessages.ResultRejected(c.Message, "unknown_call", ConversationMessages.UnknownCall(c.Saga.Awaiting!, c.Message.CallId))),
            When(ResultSubmitted, c => c.Saga.IsUnknownRound(c.Message.InteractionId))
                .Touch(rules)
                .Publish(c => ConversationMessages.ResultRejected(c.Message, "unknown_interaction", NotWaiting(c.Message))),
            // No replica holds a stream while the saga waits for results: the saga ends the turn itself.
            When(CancelRequested, c => c.Saga.IsTargetedBy(c.Message))
                .Touch(rules)
                .CancelQueuedTurnsIfWholeConversation()
                .PublishToTurnRequester(c => ConversationMessages.TurnCancelled(c.Saga, c.Saga.Awaiting!.InteractionId))
                .EndTurn(rules)
                .StartNextTurnOrIdle(Idle, Streaming),
            When(Due, c => rules.ResultsOverdue(c.Saga))
                .FailTurn(c => ("timeout", rules.MissingResults(c.Saga)), logger)
                .EndTurn(rules)
                .StartNextTurnOrIdle(Idle, Streaming));

        During(Streaming, AwaitingFunctionResults,
            // The running request ended without completing: so does its turn.
            When(Failed, c => c.Message.RequestId == c.Saga.RequestId)
                .EndTurn(rules)
                .StartNextTurnOrIdle(Idle, Streaming),
            When(Cancelled, c => c.Message.RequestId == c.Saga.RequestId)
                .EndTurn(rules)
                .StartNextTurnOrIdle(Idle, Streaming),
            When(Rejected, c => c.Message.RequestId == c.Saga.RequestId)
                .EndTurn(rules)
                .StartNextTurnOrIdle(Idle, Streaming),
            When(Failed, c => c.Message.RequestId != c.Saga.RequestId)
                .RecordEnd(rules, m => m.RequestId),
            When(Cancelled, c => c.Message.RequestId != c.Saga.RequestId)
                .RecordEnd(rules, m => m.RequestId),
            When(Rejected, c => c.Message.RequestId != c.Saga.RequestId)
                .RecordEnd(rules, m => m.RequestId),
            When(Due, c => rules.HasExpired(c.Saga))
                .FailQueuedTurns("expired", "the conversation was removed before this turn could start")
                .FailTurn(_ => ("expired", rules.Expired), logger)
                .Finalize());

        During(Pending, Idle,
            // An end seen before its request (the request's handling was retried on another replica).
            When(Failed)
                .RecordEnd(rules, m => m.RequestId),
            When(Cancelled)
                .RecordEnd(rules, m => m.RequestId),
            When(Rejected)
                .RecordEnd(rules, m => m.RequestId),
            When(ResultSubmitted, c => c.Saga.IsUnknownRound(c.Message.InteractionId))
                .Publish(c => ConversationMessages.ResultRejected(c.Message, "unknown_interaction", NotWaiting(c.Message))));

        DuringAny(
            // A request the conversation already runs: its own continuation, or a redelivery.
            When(Requested, c => c.Message.RequestId == c.Saga.RequestId)
                .Touch(rules),
            // Another request of the running turn (a direct publisher continues it itself): it becomes the running request.
            When(Requested, c => c.Message.RequestId != c.Saga.RequestId && c.Saga.TurnId == (c.Message.TurnId ?? c.Message.RequestId))
                .Touch(rules)
                .Then(c => c.Saga.FollowRequest(c.Message.RequestId)),
            // A direct publisher's new turn; if its end was seen first, it is over at once.
            When(Requested, c => c.Message.RequestId != c.Saga.RequestId && c.Saga.TurnId != (c.Message.TurnId ?? c.Message.RequestId))
                .Touch(rules)
                .Then(c => c.Saga.BeginPublishedTurn(c.Message, rules.TenantOf(c)))
                .TransitionTo(Streaming)
                .If(c => c.Saga.HasEnded(c.Message.RequestId), ended => ended
                    .EndTurn(rules)
                    .StartNextTurnOrIdle(Idle, Streaming)),
            // Events of another request than the running one: retried while early, ignored when stale.
            When(Started, c => c.Message.RequestId != c.Saga.RequestId)
                .WaitIfUnknown(rules, m => m.RequestId),
            When(RequiresAction, c => c.Message.RequestId != c.Saga.RequestId)
                .WaitIfUnknown(rules, m => m.RequestId),
            When(Completed, c => c.Message.RequestId != c.Saga.RequestId)
                .WaitIfUnknown(rules, m => m.RequestId),
            // A result for an ended round: a duplicate of one it used is ignored, any other is late.
            When(ResultSubmitted, c => !c.Saga.Awaits(c.Message.InteractionId) && c.Saga.FindClosedRound(c.Message.InteractionId) is { } closed
                                       && !closed.AnsweredCallIds.Contains(c.Message.CallId))
                .Touch(rules)
                .Publish(c => ConversationMessages.ResultRejected(c.Message, "late",
                    $"interaction {c.Message.InteractionId} no longer takes results: its round already ended")),
            When(CancelRequested, c => c.Message.TurnId is { } turnId && c.Saga.QueuedTurns.Any(t => t.RequestId == turnId))
                .CancelQueuedTurn());

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

    /// <summary>The guards and the clock this machine decides with (the cancel router waits for early cancels with them).</summary>
    internal ConversationRules Rules { get; }

    private static string NotWaiting(FunctionResultSubmitted result) =>
        $"interaction {result.InteractionId} is not waiting for function results in conversation {result.ConversationId}";
}
