namespace Messaging.Worker.Interactions;

/// <summary>
/// Puts one stream's events on the bus. The returned task ends once the broker holds the message (publisher
/// confirms on RabbitMQ), so a caller that awaits each publish before the next keeps the stream's order.
/// </summary>
public interface IStreamEventPublisher
{
    /// <summary>Publishes <paramref name="message"/>; <paramref name="persistent"/> false lets the broker keep it in memory only.</summary>
    Task PublishAsync<T>(T message, bool persistent, CancellationToken cancellationToken) where T : class;
}
