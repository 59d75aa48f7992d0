namespace Messaging.Worker.Streaming;

/// <summary>How the worker publishes <c>StepDelta</c> messages (<c>Worker:DeltaDeliveryMode</c>).</summary>
internal enum DeltaDeliveryMode
{
    /// <summary>Written to disk by durable queues: survives a broker restart (the default, as every other event).</summary>
    Persistent,

    /// <summary>Kept in memory by the broker: cheaper and faster, lost if the broker restarts before delivery.</summary>
    Transient,
}
