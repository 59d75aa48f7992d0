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
}
