using System.Text.Json;
using MassTransit;
using Messaging.Client;
using Messaging.Contracts;

namespace Messaging.Worker.Conversations;

/// <summary>
/// The saga's named behaviours, in MassTransit's binder style, so the state machine's constructor reads as the protocol.
/// Each one changes the conversation through a <see cref="ConversationState"/> method and publishes through
/// <see cref="ConversationMessages"/>; none changes the state machine's state.
/// </summary>
internal static class ConversationBinders
{
    /// <summary>Something happened: the conversation's retention starts again.</summary>
    public static EventActivityBinder<ConversationState, T> Touch<T>(this EventActivityBinder<ConversationState, T> binder, ConversationRules rules)
        where T : class => binder.Then(c => c.Saga.Touch(rules.ExpiryFromNow));

    /// <summary>An event of another request than the running one: retried while it may be early, else ignored as stale.</summary>
    public static EventActivityBinder<ConversationState, T> WaitIfUnknown<T>(this EventActivityBinder<ConversationState, T> binder, ConversationRules rules,
        Func<T, Guid> requestId) where T : class =>
        binder.ThenAsync(c => c.Saga.Knows(requestId(c.Message)) ? Task.CompletedTask : rules.WaitIfEarly(c));

    /// <summary>The end (failed, cancelled, rejected) of a request that is not running: remembered, in case its request comes later.</summary>
    public static EventActivityBinder<ConversationState, T> RecordEnd<T>(this EventActivityBinder<ConversationState, T> binder, ConversationRules rules,
        Func<T, Guid> requestId) where T : class =>
        binder.WaitIfUnknown(rules, requestId).Then(c => c.Saga.RecordEnded(requestId(c.Message)));

    /// <summary>Starts a saga-managed turn from a <see cref="ConversationTurnRequested"/>: its request goes to the work queue.</summary>
    public static EventActivityBinder<ConversationState, ConversationTurnRequested> StartTurn(
        this EventActivityBinder<ConversationState, ConversationTurnRequested> binder, ConversationRules rules) =>
        binder.Touch(rules).ThenAsync(c =>
            c.Publish(ConversationMessages.Request(c.Saga, c.Saga.BeginManagedTurn(c.Message.RequestId, c.Message.Input, c.Message.Request, c.Message.ReplyTo))));

    /// <summary>The turn has ended (after <see cref="EndTurn{T}"/>, which touched it): the oldest waiting turn starts (streaming), or the conversation is idle.</summary>
    public static EventActivityBinder<ConversationState, T> StartNextTurnOrIdle<T>(this EventActivityBinder<ConversationState, T> binder,
        State idle, State streaming) where T : class =>
        binder.RejectQueuedTurnsThatNoLongerFit().IfElse(c => c.Saga.QueuedTurns.Count > 0,
            next => next.StartQueuedTurn().TransitionTo(streaming),
            none => none.TransitionTo(idle));

    // A turn that waited was checked against the conversation as it was then: one that came before the conversation's
    // first request may ask for another store mode than the conversation now has.
    private static EventActivityBinder<ConversationState, T> RejectQueuedTurnsThatNoLongerFit<T>(this EventActivityBinder<ConversationState, T> binder)
        where T : class =>
        binder.ThenAsync(async c =>
        {
            foreach (var turn in c.Saga.QueuedTurns.ToList())
            {
                if (turn.Overrides is null) continue;
                using var overrides = JsonDocument.Parse(turn.Overrides, ConversationRequests.Reading);
                if (ConversationRules.StoreProblem(c.Saga, overrides.RootElement) is not { } problem) continue;
                c.Saga.RemoveQueuedTurn(turn.RequestId);
                await c.PublishToRequester(ConversationMessages.TurnRejected(c.Saga.CorrelationId, turn.RequestId, problem), turn.ReplyTo);
            }
        });

    private static EventActivityBinder<ConversationState, T> StartQueuedTurn<T>(this EventActivityBinder<ConversationState, T> binder)
        where T : class =>
        binder.ThenAsync(c =>
        {
            var next = c.Saga.DequeueTurn();
            using var input = JsonDocument.Parse(next.Input, ConversationRequests.Reading);
            using var overrides = next.Overrides is null ? null : JsonDocument.Parse(next.Overrides, ConversationRequests.Reading);
            var body = c.Saga.BeginManagedTurn(next.RequestId, input.RootElement, overrides?.RootElement ?? default, next.ReplyTo);
            return c.Publish(ConversationMessages.Request(c.Saga, body));
        });

    /// <summary>Queues the turn behind the running one, or rejects it saying why.</summary>
    public static EventActivityBinder<ConversationState, ConversationTurnRequested> QueueTurn(
        this EventActivityBinder<ConversationState, ConversationTurnRequested> binder, ConversationRules rules) =>
        binder.ThenAsync(async c =>
        {
            if (rules.QueueProblem(c) is { } problem) await Reject(c, problem);
            else c.Saga.QueueTurn(c.Message);
        });

    /// <summary>Rejects the turn with its problem (<see cref="ConversationRules.TurnProblem"/>).</summary>
    public static EventActivityBinder<ConversationState, ConversationTurnRequested> RejectTurn(
        this EventActivityBinder<ConversationState, ConversationTurnRequested> binder, ConversationRules rules) =>
        binder.ThenAsync(c => Reject(c, rules.TurnProblem(c)!));

    /// <summary>A waiting turn named by the cancel is dropped and ends cancelled.</summary>
    public static EventActivityBinder<ConversationState, CancelInteraction> CancelQueuedTurn(
        this EventActivityBinder<ConversationState, CancelInteraction> binder) =>
        binder.ThenAsync(async c =>
        {
            if (c.Saga.RemoveQueuedTurn(c.Message.TurnId!.Value) is { } turn)
                await c.PublishToRequester(ConversationMessages.QueuedTurnCancelled(c.Saga, turn.RequestId), turn.ReplyTo);
        });

    /// <summary>A cancel of the whole conversation (no turn, request or interaction named) also cancels every waiting turn.</summary>
    public static EventActivityBinder<ConversationState, CancelInteraction> CancelQueuedTurnsIfWholeConversation(
        this EventActivityBinder<ConversationState, CancelInteraction> binder) =>
        binder.If(c => c.Message is { TurnId: null, RequestId: null, InteractionId: null }, whole => whole.ThenAsync(async c =>
        {
            foreach (var turn in c.Saga.QueuedTurns)
                await c.PublishToRequester(ConversationMessages.QueuedTurnCancelled(c.Saga, turn.RequestId), turn.ReplyTo);
            c.Saga.QueuedTurns.Clear();
        }));

    /// <summary>Results that came before their round now meet it: each fills its call, or is refused when the round never asked for it.</summary>
    public static EventActivityBinder<ConversationState, InteractionRequiresAction> ApplyEarlyResults(
        this EventActivityBinder<ConversationState, InteractionRequiresAction> binder) =>
        binder.ThenAsync(async c =>
        {
            var round = c.Saga.Awaiting!;
            foreach (var early in c.Saga.TakeEarlyResults(round.InteractionId))
            {
                if (round.Calls.FirstOrDefault(call => call.CallId == early.CallId) is { } call) call.ResultStep ??= early.ResultStep;
                else await c.Publish(ConversationMessages.ResultRejected(c.Saga.CorrelationId, early.InteractionId, early.CallId, "unknown_call",
                    ConversationMessages.UnknownCall(round, early.CallId)));
            }
        });

    /// <summary>Results held for the round are refused (late): the turn ended before they could be used.</summary>
    public static EventActivityBinder<ConversationState, InteractionRequiresAction> RejectEarlyResults(
        this EventActivityBinder<ConversationState, InteractionRequiresAction> binder, Func<BehaviorContext<ConversationState, InteractionRequiresAction>, string> why) =>
        binder.ThenAsync(async c =>
        {
            foreach (var early in c.Saga.TakeEarlyResults(c.Message.InteractionId))
                await c.Publish(ConversationMessages.ResultRejected(c.Saga.CorrelationId, early.InteractionId, early.CallId, "late", why(c)));
        });

    /// <summary>Every call has its result: they go to the model in the next request of the same turn.</summary>
    public static EventActivityBinder<ConversationState, T> ContinueRound<T>(this EventActivityBinder<ConversationState, T> binder)
        where T : class =>
        binder.ThenAsync(c => c.Publish(ConversationMessages.Request(c.Saga, c.Saga.ContinueRound(NewId.NextGuid()))));

    /// <summary>A guard tripped: the requester hears <see cref="InteractionFailed"/> for the turn (end it next).</summary>
    public static EventActivityBinder<ConversationState, T> FailTurn<T>(this EventActivityBinder<ConversationState, T> binder,
        Func<BehaviorContext<ConversationState, T>, (string Reason, string Message)> failure, ILogger logger) where T : class =>
        binder.ThenAsync(c =>
        {
            var (reason, message) = failure(c);
            logger.LogInformation("Conversation {ConversationId} turn {TurnId} failed: {Reason}: {Message}", c.Saga.CorrelationId, c.Saga.TurnId, reason, message);
            return c.PublishToRequester(ConversationMessages.TurnFailed(c.Saga, reason, message), c.Saga.TurnReplyTo);
        });

    /// <summary>Waiting turns that will never start: each fails.</summary>
    public static EventActivityBinder<ConversationState, T> FailQueuedTurns<T>(this EventActivityBinder<ConversationState, T> binder, string reason, string message)
        where T : class =>
        binder.ThenAsync(async c =>
        {
            foreach (var turn in c.Saga.QueuedTurns)
                await c.PublishToRequester(ConversationMessages.QueuedTurnFailed(c.Saga, turn.RequestId, reason, message), turn.ReplyTo);
            c.Saga.QueuedTurns.Clear();
        });

    /// <summary>The conversation never started: its waiting turns are rejected as unknown.</summary>
    public static EventActivityBinder<ConversationState, T> RejectQueuedTurnsAsUnknown<T>(this EventActivityBinder<ConversationState, T> binder)
        where T : class =>
        binder.ThenAsync(async c =>
        {
            foreach (var turn in c.Saga.QueuedTurns)
                await c.PublishToRequester(ConversationMessages.TurnRejected(c.Saga.CorrelationId, turn.RequestId, new ValidationProblem("conversationId",
                    $"conversation {c.Saga.CorrelationId} is not known: start it with InteractionRequested, or give request.model or request.agent")), turn.ReplyTo);
            c.Saga.QueuedTurns.Clear();
        });

    /// <summary>
    /// The running turn is over (<see cref="StartNextTurnOrIdle{T}"/> next). Results still held for it never met a
    /// round: their executors hear so.
    /// </summary>
    public static EventActivityBinder<ConversationState, T> EndTurn<T>(this EventActivityBinder<ConversationState, T> binder, ConversationRules rules)
        where T : class =>
        binder.Touch(rules).ThenAsync(async c =>
        {
            foreach (var early in c.Saga.TakeEarlyResults())
                await c.Publish(ConversationMessages.ResultRejected(c.Saga.CorrelationId, early.InteractionId, early.CallId, "unknown_interaction",
                    $"the turn ended and interaction {early.InteractionId} never asked for call {early.CallId}"));
            c.Saga.EndTurn();
        });

    private static Task Reject(BehaviorContext<ConversationState, ConversationTurnRequested> context, ValidationProblem problem)
    {
        context.Saga.Remember(context.Message.RequestId);
        return context.PublishToRequester(ConversationMessages.TurnRejected(context.Message.ConversationId, context.Message.RequestId, problem), context.Message.ReplyTo);
    }

    /// <summary>
    /// Publishes an event for a turn's requester, and sends it to the turn's reply address too (a valid one). Both go
    /// through the saga's outbox: out only once the conversation is saved.
    /// </summary>
    public static async Task PublishToRequester<T>(this ConsumeContext context, T message, string? replyTo) where T : class
    {
        await context.Publish(message);
        if (!ReplyAddress.TryParse(replyTo, out var reply, out _)) return;
        var endpoint = await context.GetSendEndpoint(reply.ToUri());
        await endpoint.Send(message, context.CancellationToken);
    }

    /// <summary>Publishes the event <paramref name="message"/> builds to its exchange and to the running turn's reply address.</summary>
    public static EventActivityBinder<ConversationState, T> PublishToTurnRequester<T, TMessage>(this EventActivityBinder<ConversationState, T> binder,
        Func<BehaviorContext<ConversationState, T>, TMessage> message) where T : class where TMessage : class =>
        binder.ThenAsync(c => c.PublishToRequester(message(c), c.Saga.TurnReplyTo));
}
