using MassTransit;
using Messaging.Worker.Interactions;

namespace Messaging.Worker.Publishing;

/// <summary>
/// Publishes a stream's events through MassTransit's own pipeline (the consumer's publish endpoint): the path for
/// the in-memory transport, and for RabbitMQ when <c>Worker:DirectPublishing</c> is off.
/// </summary>
internal sealed class MassTransitStreamEventPublisher(IPublishEndpoint publish) : IStreamEventPublisher
{
    public Task PublishAsync<T>(T message, bool persistent, CancellationToken cancellationToken) where T : class =>
        persistent
            ? publish.Publish(message, cancellationToken)
            : publish.Publish(message, static (PublishContext<T> context) => context.Durable = false, cancellationToken);
}
