namespace Messaging.Worker.Quotas;

/// <summary>How requests wait for the API's quota (configuration section <c>Quota</c>).</summary>
public sealed class QuotaOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Quota";

    /// <summary>
    /// How long a request may wait, in all, for its model's quota (each wait announced by an
    /// <see cref="Messaging.Contracts.InteractionDeferred"/>) before it fails with reason <c>quota</c>. Default 15 min.
    /// </summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Whether a cooldown a 429 starts here is sent to every replica (default true). Off, each replica meets a spent
    /// quota with 429s of its own, as a gateway that counts per process does: the benchmark's baseline.
    /// </summary>
    public bool ShareCooldowns { get; set; } = true;

    /// <summary>
    /// The API's limits this key has, per model, which every replica admits creates within together
    /// (<see cref="WindowAdmission"/>; counted in PostgreSQL when the worker has a database, in this process otherwise).
    /// Empty by default: creates go out as they come and 429s start cooldowns.
    /// </summary>
    public IList<QuotaLimit> Limits { get; } = [];

    /// <summary>
    /// The end of each window in which no create is admitted (default 250 ms): one admitted there could reach the API
    /// after the window has ended there, and count in the next one, which the replicas fill as well. Creates that come
    /// in it wait for the next window.
    /// </summary>
    public TimeSpan WindowGuard { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The output tokens reserved for a create that sets no <c>generation_config.max_output_tokens</c>, when its model has a token limit. Default 1024.</summary>
    public long DefaultOutputTokens { get; set; } = 1024;

    /// <summary>The limit of <paramref name="model"/>: its own, else the <c>*</c> one; null when it has none.</summary>
    internal QuotaLimit? LimitFor(string model)
    {
        QuotaLimit? any = null;
        foreach (var limit in Limits)
        {
            if (string.Equals(limit.Model, model, StringComparison.Ordinal)) return limit;
            if (limit.Model == "*") any = limit;
        }
        return any;
    }
}

/// <summary>One model's limit on this key (<c>Quota:Limits:0:Model</c>, …).</summary>
public sealed class QuotaLimit
{
    /// <summary>The model or agent, or <c>*</c> for every model without a limit of its own (each counted apart).</summary>
    public string Model { get; set; } = "";

    /// <summary>Creates per window, all replicas together (Gemini's requests per minute, for a 60 s window); null: not limited.</summary>
    public int? RequestsPerWindow { get; set; }

    /// <summary>Tokens per window, all replicas together (Gemini's tokens per minute): each create's estimate is reserved before it is sent and settled with its usage after; null: not limited.</summary>
    public long? TokensPerWindow { get; set; }

    /// <summary>Streams running at once, all replicas together; null: not limited.</summary>
    public int? ConcurrentStreams { get; set; }

    /// <summary>The window's length in seconds; windows are aligned to the clock, as the API's minutes are. Default 60.</summary>
    public double WindowSeconds { get; set; } = 60;

    internal TimeSpan Window => TimeSpan.FromSeconds(WindowSeconds);

    /// <summary>The start of the window <paramref name="now"/> falls in.</summary>
    internal DateTimeOffset WindowStart(DateTimeOffset now) => new(now.UtcTicks - (now.UtcTicks % Window.Ticks), TimeSpan.Zero);

    /// <summary>The row of this limit's windows for <paramref name="model"/> on the key: creates and tokens are counted together.</summary>
    internal string WindowKey(ApiKeyFingerprint key, string model) => FormattableString.Invariant($"{key.Value}:{model}:{WindowSeconds}");
}
