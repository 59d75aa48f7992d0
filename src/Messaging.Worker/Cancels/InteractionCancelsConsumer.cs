using MassTransit;
using Messaging.Client;
using Messaging.Contracts;
using Messaging.Worker.Infrastructure;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Cancels;

/// <summary>
/// Records every <see cref="CancelInteraction"/> in the cancel store, from a durable queue (<c>interaction-cancels</c>)
/// the replicas share: a cancel published while no replica's control queue is bound (a broker restart, every replica
/// reconnecting) waits there, and once recorded every replica reads it (<see cref="RememberedCancels"/>). While the store
/// cannot be reached it waits and retries, the message unacknowledged.
/// </summary>
internal sealed class InteractionCancelsConsumer(ICancelStore store, ILogger<InteractionCancelsConsumer> logger) : IConsumer<CancelInteraction>
{
    public async Task Consume(ConsumeContext<CancelInteraction> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cancelId = RememberedCancel.IdOf(context.Message, context.MessageId);
        for (var failures = 0; ; failures++)
        {
            try
            {
                await store.RecordAsync(cancelId, context.Message, context.CancellationToken);
                return;
            }
            catch (Exception ex) when (!context.CancellationToken.IsCancellationRequested && ex is not OutOfMemoryException)
            {
                if (failures % 10 == 0) logger.LogWarning("A cancel could not be recorded ({Reason}); trying again", ex.Message);
                await Task.Delay(StoreRetryDelay.After(failures), context.CancellationToken);
            }
        }
    }
}

/// <summary>The cancels' queue: shared and durable (a quorum queue by default), plain JSON accepted.</summary>
internal sealed class InteractionCancelsConsumerDefinition(IOptions<BusOptions> bus) : ConsumerDefinition<InteractionCancelsConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<InteractionCancelsConsumer> consumerConfigurator, IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpointConfigurator);
        endpointConfigurator.UseRawJsonDeserializer(RawSerializerOptions.AnyMessageType, isDefault: false);
        endpointConfigurator.UseSharedQueue(bus.Value);
    }
}
