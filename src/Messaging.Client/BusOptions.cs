using System.ComponentModel.DataAnnotations;

namespace Messaging.Client;

/// <summary>The message bus; bound from the <c>Bus</c> configuration section.</summary>
public sealed class BusOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Bus";

    /// <summary>
    /// The RabbitMQ broker, e.g. <c>amqp://guest:guest@localhost:5672/</c>. Absent = MassTransit's in-memory
    /// transport: everything in one process, the default for a first run.
    /// </summary>
    public Uri? RabbitMqUrl { get; set; }

    /// <summary>
    /// Messages RabbitMQ hands the work queue's consumer before they are acknowledged. Default: the
    /// replica's stream limit (<c>Worker:MaxConcurrentStreams</c>), so no replica hoards work it cannot start.
    /// </summary>
    [Range(1, 65535)]
    public int? PrefetchCount { get; set; }

    /// <summary>
    /// Prepended to every queue and exchange name (e.g. <c>staging-</c> gives the queue
    /// <c>staging-interaction-requested</c> and the exchange <c>staging-Messaging.Contracts:InteractionRequested</c>),
    /// to run fully isolated copies on one broker and virtual host, as the tests do. Default none.
    /// </summary>
    [RegularExpression("^[a-z0-9][a-z0-9._-]*$")]
    public string? NamePrefix { get; set; }

    /// <summary>
    /// The type of the shared durable queues on RabbitMQ — the work queue, the saga's queue, the cancels' queue (default
    /// <see cref="SharedQueueType.Quorum"/>: replicated on a cluster, with <see cref="DeliveryLimit"/>). A broker that has
    /// these queues as classic ones refuses to redeclare them (<c>PRECONDITION_FAILED</c>): migrate them (README,
    /// "Queues") or keep <see cref="SharedQueueType.Classic"/> until then. Per-replica control queues are always classic.
    /// </summary>
    public SharedQueueType QueueType { get; set; } = SharedQueueType.Quorum;

    /// <summary>
    /// How often a message of a quorum queue may come back unacknowledged — a replica killed, drained or disconnected
    /// while it held it — before the broker dead-letters it (default 20). Every hand-over counts, so keep it well above
    /// the hand-overs a legitimate long run meets; a request dead-lettered from the work queue gets
    /// <c>InteractionFailed</c> with reason <c>poison</c>.
    /// </summary>
    [Range(1, 1000)]
    public int DeliveryLimit { get; set; } = 20;

    /// <summary>
    /// Whether every message this bus sends carries its broker user as the AMQP <c>user-id</c> property (default true).
    /// RabbitMQ checks it against the connection's user, so consumers can trust who sent a message (the worker's
    /// <c>Tenants:Source</c> <c>BrokerUser</c>). Turn it off only when the connection's user is not the one in
    /// <see cref="RabbitMqUrl"/> (e.g. certificate authentication): RabbitMQ would refuse the messages.
    /// </summary>
    public bool StampUserId { get; set; } = true;
}

/// <summary>The RabbitMQ queue type of the shared durable queues.</summary>
public enum SharedQueueType
{
    /// <summary>Quorum queues: replicated, with a delivery limit and a dead-letter target.</summary>
    Quorum,
    /// <summary>Classic queues, as before quorum queues were the default: no delivery limit.</summary>
    Classic,
}
