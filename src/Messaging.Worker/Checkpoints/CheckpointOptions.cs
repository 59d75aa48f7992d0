using System.ComponentModel.DataAnnotations;

namespace Messaging.Worker.Checkpoints;

/// <summary>How requests are checkpointed, owned and taken over; bound from the <c>Checkpoints</c> section.</summary>
internal sealed class CheckpointOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Checkpoints";

    /// <summary>
    /// How long a replica owns a request without renewing (default 5 s; renewed with every progress write, and every
    /// third of it while a stream is quiet). A request whose owner died is taken over when its redelivery finds the lease
    /// lapsed: a killed replica's streams pause about this long. Shorter resumes sooner; longer rides out longer pauses of
    /// an owner that still lives (GC, an unreachable database) before a duplicate delivery may take its request.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often a stream's progress is recorded (default 250 ms): a takeover repeats at most about this much of the
    /// stream. The writes of every stream of a replica go in one statement per interval.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a finished request's row is kept (default 24 h): a duplicate of it within this time publishes nothing.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The table in PostgreSQL (default <c>stream_checkpoints</c>, created on first use, in the saga store's database).</summary>
    [RegularExpression("^[a-z_][a-z0-9_]{0,62}$")]
    public string TableName { get; set; } = "stream_checkpoints";
}
