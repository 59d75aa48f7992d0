using MassTransit;
using Messaging.Contracts;

namespace Messaging.Testing;

/// <summary>
/// A downstream service's view: one consumer for every event type on one queue, run one message at a time,
/// so the order seen here is the order the broker holds.
/// </summary>
public sealed class EventCollector(EventLog events) :
    IConsumer<InteractionStarted>, IConsumer<StepStarted>, IConsumer<StepDelta>, IConsumer<StepCompleted>,
    IConsumer<InteractionStatusChanged>, IConsumer<InteractionCompleted>, IConsumer<InteractionRequiresAction>,
    IConsumer<FunctionCallRequested>, IConsumer<InteractionFailed>, IConsumer<InteractionCancelled>,
    IConsumer<InteractionRejected>, IConsumer<InteractionDeferred>, IConsumer<Fault<InteractionRequested>>
{
    public Task Consume(ConsumeContext<InteractionStarted> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<StepStarted> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<StepDelta> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<StepCompleted> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<InteractionStatusChanged> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<InteractionCompleted> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<InteractionRequiresAction> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<FunctionCallRequested> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<InteractionFailed> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<InteractionCancelled> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<InteractionRejected> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<InteractionDeferred> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<Fault<InteractionRequested>> context) => Add(context.Message.Message.RequestId, context.Message);

    private Task Add(Guid requestId, object message)
    {
        events.Add(requestId, message);
        return Task.CompletedTask;
    }
}

/// <summary>
/// A downstream service's view of conversations: every event type, plus the requests on the work queue (to see the
/// saga's continuations), one message at a time so the order seen is the broker's.
/// </summary>
public sealed class ConversationCollector(EventLog events) :
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
