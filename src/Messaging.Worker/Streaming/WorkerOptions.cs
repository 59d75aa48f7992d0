using System.ComponentModel.DataAnnotations;

namespace Messaging.Worker.Streaming;

/// <summary>How a worker replica runs interactions; bound from the <c>Worker</c> configuration section.</summary>
internal sealed class WorkerOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Worker";

    /// <summary>Interactions one replica streams at once (default 256). Streams wait on I/O, not threads, so this bounds memory and API quota.</summary>
    [Range(1, 100_000)]
    public int MaxConcurrentStreams { get; set; } = 256;

    /// <summary>Largest accepted <c>request</c> (the API create body) in UTF-8 bytes (default 16 MiB); larger ones are rejected.</summary>
    [Range(1, int.MaxValue)]
    public int MaxRequestBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Memory this replica lets its requests hold at once, in bytes. Default 0 = 40 % of the memory .NET may use here
    /// (the container's limit, or <c>DOTNET_GCHeapHardLimit</c>; a 1 GiB container gives .NET 768 MiB, so about 307 MiB).
    /// A stream starts only when its request fits (<see cref="MemoryBudget"/>); the rest is for prefetched messages
    /// and the process itself.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long MemoryBudget { get; set; }

    /// <summary>Automatic continuations (<c>requires_continuation</c> hops) after the first interaction before the request fails (default 16).</summary>
    [Range(0, 1000)]
    public int MaxContinuationHops { get; set; } = 16;

    /// <summary>How often a background interaction is resumed with a streaming GET before it is polled instead (default 3).</summary>
    [Range(0, 100)]
    public int MaxFollowResumes { get; set; } = 3;

    /// <summary>Interval of the GET polling that follows a background interaction whose stream cannot be resumed (default 2 s).</summary>
    public TimeSpan BackgroundPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Deltas of one step that arrive within this window of the last delta message are merged into one
    /// <c>StepDelta</c> carrying the range <c>sequence..lastSequence</c> (texts concatenated; default 20 ms; zero =
    /// one message per API delta). A delta never waits when its stream is idle: it goes out as soon as the stream
    /// has nothing more buffered and the window since the last delta message has passed, so a stream sends at
    /// most one delta message per window. Timers tick every ~4 ms on common hosts: smaller non-zero windows act
    /// like ~4 ms.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan DeltaCoalescingWindow { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// How <c>StepDelta</c> messages are published (default <see cref="DeltaDeliveryMode.Persistent"/>):
    /// persistent ones survive a broker restart, transient ones cost the broker no disk write. Every other event is
    /// always persistent, and <c>StepCompleted</c> repeats the whole step, so a lost transient delta loses no output.
    /// </summary>
    public DeltaDeliveryMode DeltaDeliveryMode { get; set; } = DeltaDeliveryMode.Persistent;

    /// <summary>
    /// On RabbitMQ, publish a stream's events (started, steps, deltas, the final event) with RabbitMQ.Client directly,
    /// in MassTransit's envelope, instead of through MassTransit's publish pipeline (default true): the same messages
    /// on the same exchanges at a fraction of the CPU per message, pipelined per stream, with the trace carried along.
    /// Turn it off to have MassTransit publish observers or filters see these events. The in-memory transport always
    /// uses MassTransit.
    /// </summary>
    public bool DirectPublishing { get; set; } = true;

    /// <summary>
    /// For a request with a reply address (<c>replyTo</c>): send the events only its requester reads — steps, deltas,
    /// status changes, deferrals — to that address alone, not to their fanout exchanges (default false). The events the
    /// saga and function executors consume (started, requires action, function calls, the final event) still go to their
    /// exchanges too. Cuts the broker's fan-out of deltas to observers that do not want them.
    /// </summary>
    public bool EventsToReplyAddressOnly { get; set; }

    /// <summary>
    /// How long a stopping replica (SIGTERM: a rolling deploy, a scale-down) lets its running streams finish (default
    /// 90 s). It takes no new requests meanwhile; what still runs after it is handed over through its checkpoint: the
    /// lease is released and the message returned, so another replica resumes the same interaction at once. The host
    /// waits <see cref="HandOverAllowance"/> longer, so keep the orchestrator's grace (Kubernetes'
    /// <c>terminationGracePeriodSeconds</c>, 120 s in <c>infra/k8s/worker.yaml</c>) above the sum.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>
    /// On RabbitMQ, the longest one delivery of a request runs (default 20 min; zero: no limit). RabbitMQ closes the channel of a
    /// consumer that holds a message unacknowledged past its node's <c>consumer_timeout</c> (30 min by default, node-wide
    /// before RabbitMQ 3.12), which would hand over every stream on it; so a run still going after this long sends a new
    /// copy of its request to the work queue and acknowledges its own: the copy resumes it from its checkpoint, on the
    /// same interaction (a few chunks repeated, nothing run twice, the delivery limit untouched). Keep it below the
    /// broker's <c>consumer_timeout</c>; a duplicate waiting for another replica's long run is bounded the same way.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan HandOverAfter { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>What a stopping replica needs after <see cref="DrainTimeout"/> to hand its streams over and stop the bus.</summary>
    public static readonly TimeSpan HandOverAllowance = TimeSpan.FromSeconds(15);
}
