using MassTransit;
using Messaging.Worker.Streaming;

namespace Messaging.Worker.Publishing;

/// <summary>
/// Publishes a stream's events through MassTransit's own pipeline (the consumer's publish endpoint): the path for
/// the in-memory transport, and for RabbitMQ when <c>Worker:DirectPublishing</c> is off. Each publish is awaited
/// (confirmed on RabbitMQ) before the next, which is what keeps the order here: MassTransit does not promise order
/// between publishes in flight.
/// </summary>
internal sealed class MassTransitStreamEventPublisher(IPublishEndpoint publish) : IStreamEventPublisher, IStreamEventLane
{
    public IStreamEventLane OpenLane() => this;

    public async ValueTask PublishAsync<T>(T message, Guid messageId, bool persistent, CancellationToken cancellationToken) where T : class =>
        await publish.Publish(message, context =>
        {
            context.MessageId = messageId;
            context.Durable = persistent;
        }, cancellationToken);

    public Task ConfirmAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
