using MassTransit;
using Messaging.Contracts;

namespace Messaging.Client.Interactions;

/// <summary>This instance's reply queue: every event sent to it goes to the turn that waits for it.</summary>
internal sealed class ReplyQueueConsumer(TurnStreams turns) :
    IConsumer<InteractionStarted>, IConsumer<StepStarted>, IConsumer<StepDelta>, IConsumer<StepCompleted>, IConsumer<InteractionStatusChanged>,
    IConsumer<InteractionRequiresAction>, IConsumer<FunctionCallRequested>, IConsumer<InteractionCompleted>, IConsumer<InteractionFailed>,
    IConsumer<InteractionCancelled>, IConsumer<InteractionRejected>, IConsumer<InteractionDeferred>
{
    public Task Consume(ConsumeContext<InteractionStarted> context) => Dispatch(context.Message);
    public Task Consume(ConsumeContext<StepStarted> context) => Dispatch(context.Message);
    public Task Consume(ConsumeContext<StepDelta> context) => Dispatch(context.Message);
    public Task Consume(ConsumeContext<StepCompleted> context) => Dispatch(context.Message);
    public Task Consume(ConsumeContext<InteractionStatusChanged> context) => Dispatch(context.Message);
    public Task Consume(ConsumeContext<InteractionRequiresAction> context) => Dispatch(context.Message);
    public Task Consume(ConsumeContext<FunctionCallRequested> context) => Dispatch(context.Message);
    public Task Consume(ConsumeContext<InteractionCompleted> context) => Dispatch(context.Message);
    public Task Consume(ConsumeContext<InteractionFailed> context) => Dispatch(context.Message);
    public Task Consume(ConsumeContext<InteractionCancelled> context) => Dispatch(context.Message);
    public Task Consume(ConsumeContext<InteractionRejected> context) => Dispatch(context.Message);
    public Task Consume(ConsumeContext<InteractionDeferred> context) => Dispatch(context.Message);

    private Task Dispatch(object message)
    {
        turns.Dispatch(message);
        return Task.CompletedTask;
    }
}
