using System.Text.Json;
using Messaging.Contracts;

namespace Messaging.Worker.Conversations;

/// <summary>Every message the conversation saga publishes, built in one place from the conversation's state.</summary>
internal static class ConversationMessages
{
    /// <summary>The running request of the turn: its first, or a continuation with function results.</summary>
    public static InteractionRequested Request(ConversationState saga, JsonElement body) => new()
    {
        RequestId = saga.RequestId ?? Guid.Empty, ConversationId = saga.CorrelationId, TurnId = saga.TurnId, Request = body, Tenant = saga.Tenant,
        ReplyTo = saga.TurnReplyTo,
    };

    /// <summary>The running turn ends cancelled (no replica holds a stream for it).</summary>
    public static InteractionCancelled TurnCancelled(ConversationState saga, string interactionId) => new()
    {
        RequestId = saga.RequestId ?? Guid.Empty, ConversationId = saga.CorrelationId, TurnId = saga.TurnId ?? Guid.Empty, InteractionId = interactionId,
    };

    /// <summary>A waiting turn is cancelled before it starts.</summary>
    public static InteractionCancelled QueuedTurnCancelled(ConversationState saga, Guid turnId) => new()
    {
        RequestId = turnId, ConversationId = saga.CorrelationId, TurnId = turnId,
    };

    /// <summary>A guard tripped for the running turn (round limit, result deadline, retention).</summary>
    public static InteractionFailed TurnFailed(ConversationState saga, string reason, string message) => new()
    {
        RequestId = saga.RequestId ?? Guid.Empty,
        ConversationId = saga.CorrelationId,
        TurnId = saga.TurnId ?? Guid.Empty,
        InteractionId = saga.Awaiting?.InteractionId ?? saga.InteractionId ?? "",
        Reason = reason,
        Message = message,
    };

    /// <summary>A waiting turn that will never start.</summary>
    public static InteractionFailed QueuedTurnFailed(ConversationState saga, Guid turnId, string reason, string message) => new()
    {
        RequestId = turnId, ConversationId = saga.CorrelationId, TurnId = turnId, Reason = reason, Message = message,
    };

    /// <summary>A <see cref="ConversationTurnRequested"/> the saga cannot serve.</summary>
    public static InteractionRejected TurnRejected(Guid conversationId, Guid turnId, ValidationProblem problem) => new()
    {
        RequestId = turnId, ConversationId = conversationId, TurnId = turnId, Errors = [problem],
    };

    /// <summary>A result the saga does not use.</summary>
    public static FunctionResultRejected ResultRejected(Guid conversationId, string interactionId, string callId, string reason, string text) => new()
    {
        ConversationId = conversationId, InteractionId = interactionId, CallId = callId, Reason = reason, Message = text,
    };

    /// <summary><see cref="ResultRejected(Guid, string, string, string, string)"/> for a submitted result.</summary>
    public static FunctionResultRejected ResultRejected(FunctionResultSubmitted result, string reason, string text) =>
        ResultRejected(result.ConversationId, result.InteractionId, result.CallId, reason, text);

    /// <summary>The cancel again, once a replica holds the running request (the first one may have reached none).</summary>
    public static CancelInteraction CancelRunningRequest(ConversationState saga) => new() { ConversationId = saga.CorrelationId, RequestId = saga.RequestId };

    /// <summary>Why a result naming the awaited interaction is refused: it asked for no such call.</summary>
    public static string UnknownCall(AwaitedRound round, string callId) =>
        $"interaction {round.InteractionId} asked for no call {callId}; it waits for {string.Join(", ", round.Calls.Select(c => c.CallId))}";
}
