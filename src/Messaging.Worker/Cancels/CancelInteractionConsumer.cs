using MassTransit;
using Messaging.Contracts;
namespace Messaging.Worker.Cancels;

/// <summary>
/// Consumes <see cref="CancelInteraction"/> on this replica's own temporary control queue (every replica gets every cancel,
/// and acts on the requests it holds): remembers it, so a request it names that starts here later is cancelled before it
/// calls anything, and cancels the running ones at once.
/// </summary>
internal sealed class CancelInteractionConsumer(RememberedCancels remembered, CancelDispatcher dispatcher) : IConsumer<CancelInteraction>
{
    public async Task Consume(ConsumeContext<CancelInteraction> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        remembered.Remember(RememberedCancel.IdOf(context.Message, context.MessageId), context.Message);
        await dispatcher.ApplyAsync(context.Message, context.CancellationToken);
    }
}
