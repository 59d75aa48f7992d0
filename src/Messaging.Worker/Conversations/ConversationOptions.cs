using System.ComponentModel.DataAnnotations;

namespace Messaging.Worker.Conversations;

/// <summary>How the conversation saga runs; bound from the <c>Conversations</c> configuration section.</summary>
internal sealed class ConversationOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Conversations";

    /// <summary>
    /// The name of the saga store's Npgsql connection string (<c>ConnectionStrings:Sagas</c>, env <c>ConnectionStrings__Sagas</c>).
    /// Unset: conversations live in this process's memory, which is right for one process only; replicas on one broker
    /// must share a database.
    /// </summary>
    public const string ConnectionStringName = "Sagas";

    /// <summary>Runs the conversation saga in this process (default true). Turn it off for replicas that should only stream.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The saga table in PostgreSQL (default <c>conversation_state</c>, created on first use). Separate deployments sharing a database use separate tables.</summary>
    [RegularExpression("^[a-z_][a-z0-9_]{0,62}$")]
    public string TableName { get; set; } = "conversation_state";

    /// <summary>Function-call rounds (interactions ending <c>requires_action</c>) one turn may take before it fails with <c>round_limit</c> (default 10).</summary>
    [Range(1, 1000)]
    public int MaxFunctionRounds { get; set; } = 10;

    /// <summary>How long the saga waits for every result of a round before the turn fails with <c>timeout</c> (default 5 minutes).</summary>
    public TimeSpan FunctionResultTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A conversation without any message for this long is removed (default 24 hours); a turn still open then fails with <c>expired</c>.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a <c>ConversationTurnRequested</c> for a conversation not seen yet waits for the conversation's first request before it is rejected (default 10 s).</summary>
    public TimeSpan StartGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an event of a request the saga has not seen yet is retried before it counts as stale (default 5 s): replicas and retries can let an event overtake its request.</summary>
    public TimeSpan EarlyEventPatience { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often each replica looks for conversations whose deadline or retention has passed (default 5 s; timers here tick every ~4 ms, so keep it well above).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Saga messages one replica handles at once (default 32); messages of one conversation are serialised by the store's concurrency control.</summary>
    [Range(1, 10_000)]
    public int ConcurrentMessageLimit { get; set; } = 32;

    /// <summary>Turns queued behind a running one before further <c>ConversationTurnRequested</c>s are rejected (default 16).</summary>
    [Range(0, 1000)]
    public int MaxQueuedTurns { get; set; } = 16;
}
