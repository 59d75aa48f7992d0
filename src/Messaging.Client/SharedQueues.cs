using MassTransit;

namespace Messaging.Client;

/// <summary>How the shared durable queues are declared on RabbitMQ (<see cref="BusOptions.QueueType"/>); nothing on other transports.</summary>
public static class SharedQueues
{
    /// <summary>
    /// Makes <paramref name="endpoint"/> a quorum queue with <see cref="BusOptions.DeliveryLimit"/>, dead-lettering what
    /// exceeds it to the exchange <paramref name="deadLetterExchange"/> (a receive endpoint's own exchange has its name);
    /// without one a message past the limit is dropped by the broker, so give one for anything that must be answered.
    /// </summary>
    public static void UseSharedQueue(this IReceiveEndpointConfigurator endpoint, BusOptions options, string? deadLetterExchange = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(options);
        if (endpoint is not IRabbitMqReceiveEndpointConfigurator rabbit || options.QueueType != SharedQueueType.Quorum) return;
        rabbit.SetQuorumQueue();
        rabbit.SetQueueArgument("x-delivery-limit", options.DeliveryLimit);
        if (deadLetterExchange is not null) rabbit.DeadLetterExchange = deadLetterExchange;
    }

    /// <summary>
    /// The queue arguments <see cref="UseSharedQueue"/> gives a queue, for declaring it with RabbitMQ.Client ahead of
    /// MassTransit (which then finds it as it would have made it).
    /// </summary>
    public static Dictionary<string, object?> Arguments(BusOptions options, string? deadLetterExchange = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.QueueType != SharedQueueType.Quorum) return [];
        var arguments = new Dictionary<string, object?> { ["x-queue-type"] = "quorum", ["x-delivery-limit"] = options.DeliveryLimit };
        if (deadLetterExchange is not null) arguments["x-dead-letter-exchange"] = deadLetterExchange;
        return arguments;
    }

    /// <summary>
    /// As <see cref="UseSharedQueue"/>, dead-lettering to a holding queue named <paramref name="holdingQueue"/> (declared
    /// here, a quorum queue too, with nothing consuming it): what exceeds the limit waits there for an operator.
    /// </summary>
    public static void UseSharedQueueWithHoldingQueue(this IReceiveEndpointConfigurator endpoint, BusOptions options, string holdingQueue)
    {
        ArgumentNullException.ThrowIfNull(options);
        endpoint.UseSharedQueue(options);
        if (endpoint is not IRabbitMqReceiveEndpointConfigurator rabbit || options.QueueType != SharedQueueType.Quorum) return;
        rabbit.BindDeadLetterQueue(holdingQueue, holdingQueue, queue => queue.SetQuorumQueue());
    }
}
