using System.Collections.Concurrent;
using MassTransit;
using Messaging.Contracts;

namespace Messaging.Worker.Tests.Support;

/// <summary>Every message the conversation tests' bus received, per conversationId, in arrival order.</summary>
public sealed class ConversationEvents
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly ConcurrentDictionary<Guid, RequestEvents> _byConversation = new();

    /// <summary>What else to say when a wait times out (the saga's stored state, errors logged), to explain a failure after the fact.</summary>
    public Func<Guid, Task<string>>? Diagnose { get; set; }

    public RequestEvents For(Guid conversationId) => _byConversation.GetOrAdd(conversationId, id => new RequestEvents(id));

    public void Add(Guid conversationId, object message) => For(conversationId).Add(message);

    /// <summary>Waits until the conversation's messages satisfy <paramref name="condition"/>.</summary>
    public Task<RequestEvents> WaitAsync(Guid conversationId, Func<RequestEvents, bool> condition, string what) =>
        For(conversationId).UntilAsync(condition, Patience, async () =>
            $"Conversation {conversationId}: no {what} within {Patience}. {(Diagnose is null ? "" : await Diagnose(conversationId))}");

    /// <summary>Waits for the turn's final event: completed, failed, cancelled or rejected, matched by turnId.</summary>
    public Task<RequestEvents> TurnEndedAsync(Guid conversationId, Guid turnId) => WaitAsync(conversationId, e => e.All.Any(m => m switch
    {
        InteractionCompleted c => c.TurnId == turnId,
        InteractionFailed f => f.TurnId == turnId,
        InteractionCancelled c => c.TurnId == turnId,
        InteractionRejected r => r.TurnId == turnId,
        _ => false,
    }), $"end of turn {turnId}");

    /// <summary>Waits until the conversation has received <paramref name="count"/> function-call requests in all.</summary>
    public Task<RequestEvents> CallsAsync(Guid conversationId, int count) =>
        WaitAsync(conversationId, e => e.Of<FunctionCallRequested>().Count >= count, $"{count} FunctionCallRequested");
}

/// <summary>
/// A downstream service's view of conversations: every event type, plus the requests on the work queue (to see the
/// saga's continuations), one message at a time so the order seen is the broker's.
/// </summary>
public sealed class ConversationCollector(ConversationEvents events) :
    IConsumer<InteractionRequested>, IConsumer<InteractionStarted>, IConsumer<InteractionRequiresAction>,
    IConsumer<FunctionCallRequested>, IConsumer<InteractionCompleted>, IConsumer<InteractionFailed>,
    IConsumer<InteractionCancelled>, IConsumer<InteractionRejected>, IConsumer<FunctionResultRejected>,
    IConsumer<Fault<FunctionResultSubmitted>>, IConsumer<Fault<InteractionRequiresAction>>, IConsumer<Fault<ConversationTurnRequested>>
{
    public Task Consume(ConsumeContext<InteractionRequested> context) => Add(context.Message.ConversationId ?? context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<InteractionStarted> context) => Add(context.Message.ConversationId, context.Message);
    public Task Consume(ConsumeContext<InteractionRequiresAction> context) => Add(context.Message.ConversationId, context.Message);
    public Task Consume(ConsumeContext<FunctionCallRequested> context) => Add(context.Message.ConversationId, context.Message);
    public Task Consume(ConsumeContext<InteractionCompleted> context) => Add(context.Message.ConversationId, context.Message);
    public Task Consume(ConsumeContext<InteractionFailed> context) => Add(context.Message.ConversationId, context.Message);
    public Task Consume(ConsumeContext<InteractionCancelled> context) => Add(context.Message.ConversationId, context.Message);
    public Task Consume(ConsumeContext<InteractionRejected> context) => Add(context.Message.ConversationId, context.Message);
    public Task Consume(ConsumeContext<FunctionResultRejected> context) => Add(context.Message.ConversationId, context.Message);
    public Task Consume(ConsumeContext<Fault<FunctionResultSubmitted>> context) => Add(context.Message.Message.ConversationId, context.Message);
    public Task Consume(ConsumeContext<Fault<InteractionRequiresAction>> context) => Add(context.Message.Message.ConversationId, context.Message);
    public Task Consume(ConsumeContext<Fault<ConversationTurnRequested>> context) => Add(context.Message.Message.ConversationId, context.Message);

    private Task Add(Guid conversationId, object message)
    {
        events.Add(conversationId, message);
        return Task.CompletedTask;
    }
}
