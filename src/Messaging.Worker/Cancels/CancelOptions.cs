using System.ComponentModel.DataAnnotations;

namespace Messaging.Worker.Cancels;

/// <summary>How long and where cancels are remembered; bound from the <c>Cancels</c> section.</summary>
internal sealed class CancelOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Cancels";

    /// <summary>
    /// How long a <c>CancelInteraction</c> is remembered (default 10 min): a request or turn it names that starts or resumes
    /// within this time is cancelled before anything is called. Cancels older than this are forgotten.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How often a replica reads the cancels other replicas recorded (default 1 s): a cancel this replica's own control queue
    /// missed (it was reconnecting to the broker) reaches its streams within about this long.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The table in PostgreSQL (default <c>interaction_cancels</c>, created on first use, in the saga store's database).</summary>
    [RegularExpression("^[a-z_][a-z0-9_]{0,62}$")]
    public string TableName { get; set; } = "interaction_cancels";
}
