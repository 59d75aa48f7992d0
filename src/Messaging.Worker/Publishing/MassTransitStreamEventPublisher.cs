using MassTransit;
using Messaging.Client;
using Messaging.Worker.Streaming;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Publishing;

/// <summary>
/// Publishes a stream's events through MassTransit's own pipeline (the consumer's publish endpoint): the path for
/// the in-memory transport, and for RabbitMQ when <c>Worker:DirectPublishing</c> is off. Each publish is awaited
/// (confirmed on RabbitMQ) before the next, which is what keeps the order here: MassTransit does not promise order
/// between publishes in flight. A reply address gets each event by a send right after its publish.
/// </summary>
internal sealed class MassTransitStreamEventPublisher(IPublishEndpoint publish, ISendEndpointProvider sends, IOptions<WorkerOptions> options)
    : IStreamEventPublisher
{
    public IStreamEventLane OpenLane(ReplyAddress? reply = null) => new Lane(this, reply);

    private IPublishEndpoint Publisher => publish;

    private ISendEndpointProvider Sends => sends;

    private bool ReplyOnly => options.Value.EventsToReplyAddressOnly;

    private sealed class Lane(MassTransitStreamEventPublisher owner, ReplyAddress? reply) : IStreamEventLane
    {
        public async ValueTask PublishAsync<T>(T message, Guid messageId, bool persistent, CancellationToken cancellationToken) where T : class
        {
            if (RequesterEvents.ToExchange<T>(reply, owner.ReplyOnly))
                await owner.Publisher.Publish(message, context => Stamp(context, messageId, persistent), cancellationToken);
            if (reply is null) return;
            var endpoint = await owner.Sends.GetSendEndpoint(reply.ToUri());
            await endpoint.Send(message, context => Stamp(context, messageId, persistent), cancellationToken);
        }

        public Task ConfirmAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task Confirmed() => Task.CompletedTask;

        private static void Stamp(SendContext context, Guid messageId, bool persistent)
        {
            context.MessageId = messageId;
            context.Durable = persistent;
        }
    }
}
