using MassTransit;

namespace Messaging.Sagas;

/// <summary>
/// A saga that can fall due: timeouts without RabbitMQ's delayed-message plugin (which Debian's broker lacks).
/// The repository stores <see cref="DueAt"/> in its own indexed column, so a sweeper finds the sagas that fell
/// due with <see cref="IDueSagaFinder{TSaga}"/> and sends each one a message instead of scheduling it.
/// </summary>
public interface IDueSaga : SagaStateMachineInstance, ISagaVersion
{
    /// <summary>When the saga falls due, in UTC; null when it waits for nothing.</summary>
    DateTime? DueAt { get; }
}
