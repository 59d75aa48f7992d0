using MassTransit;
using Messaging.Contracts;

namespace Messaging.Cli.Bus;

/// <summary>Hands every event the CLI listens to over to <see cref="SessionEvents"/>; the session filters by its ids.</summary>
internal sealed class SessionEventConsumer(SessionEvents events) :
    IConsumer<InteractionRequested>,
    IConsumer<InteractionStarted>, IConsumer<StepStarted>, IConsumer<StepDelta>, IConsumer<StepCompleted>,
    IConsumer<InteractionStatusChanged>, IConsumer<InteractionRequiresAction>, IConsumer<FunctionCallRequested>,
    IConsumer<InteractionCompleted>, IConsumer<InteractionFailed>, IConsumer<InteractionRejected>, IConsumer<InteractionCancelled>
{
    public Task Consume(ConsumeContext<InteractionRequested> context) => Forward(context);
    public Task Consume(ConsumeContext<InteractionStarted> context) => Forward(context);
    public Task Consume(ConsumeContext<StepStarted> context) => Forward(context);
    public Task Consume(ConsumeContext<StepDelta> context) => Forward(context);
    public Task Consume(ConsumeContext<StepCompleted> context) => Forward(context);
    public Task Consume(ConsumeContext<InteractionStatusChanged> context) => Forward(context);
    public Task Consume(ConsumeContext<InteractionRequiresAction> context) => Forward(context);
    public Task Consume(ConsumeContext<FunctionCallRequested> context) => Forward(context);
    public Task Consume(ConsumeContext<InteractionCompleted> context) => Forward(context);
    public Task Consume(ConsumeContext<InteractionFailed> context) => Forward(context);
    public Task Consume(ConsumeContext<InteractionRejected> context) => Forward(context);
    public Task Consume(ConsumeContext<InteractionCancelled> context) => Forward(context);

    private Task Forward<T>(ConsumeContext<T> context) where T : class => events.WriteAsync(context.Message, context.CancellationToken).AsTask();
}
