namespace Messaging.Emulator.Quotas;

/// <summary>
/// One quota the emulator enforces, as Gemini does per project: every API key (<c>x-goog-api-key</c>) and model the rule
/// matches is counted apart. Configured as <c>Emulator:Quotas:0:RequestsPerWindow</c> and so on; a limit left null is
/// not enforced. Past a limit the create is answered 429 <c>RESOURCE_EXHAUSTED</c> with <c>google.rpc.QuotaFailure</c>
/// and <c>google.rpc.RetryInfo</c> in the error's <c>details</c> (<see cref="QuotaLedger"/>).
/// </summary>
public sealed class EmulatorQuota
{
    /// <summary>The API key the rule is for; null: every key, each counted apart.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The model (or agent) the rule is for; null: every model, each counted apart.</summary>
    public string? Model { get; set; }

    /// <summary>Creates admitted per window (Gemini's requests per minute).</summary>
    public int? RequestsPerWindow { get; set; }

    /// <summary>Tokens per window: the input tokens are charged when a create is admitted, the output and thought tokens when its run ends.</summary>
    public long? TokensPerWindow { get; set; }

    /// <summary>The window's length in seconds; windows are aligned to the clock (a minute starts at :00). Default 60.</summary>
    public double WindowSeconds { get; set; } = 60;

    /// <summary>Creates admitted per day (UTC).</summary>
    public int? RequestsPerDay { get; set; }

    /// <summary>Tokens per day (UTC), charged as <see cref="TokensPerWindow"/>.</summary>
    public long? TokensPerDay { get; set; }

    /// <summary>Runs in progress at once (a stream or a background run counts until it ends).</summary>
    public int? ConcurrentRequests { get; set; }

    internal QuotaLimits Limits => new(RequestsPerWindow, TokensPerWindow, WindowSeconds, RequestsPerDay, TokensPerDay, ConcurrentRequests);

    internal bool Matches(string apiKey, string model) =>
        (ApiKey is null || string.Equals(ApiKey, apiKey, StringComparison.Ordinal)) &&
        (Model is null || string.Equals(Model, model, StringComparison.Ordinal));
}

/// <summary>The limits of one quota rule; equal limits count in the same buckets.</summary>
internal readonly record struct QuotaLimits(
    int? RequestsPerWindow,
    long? TokensPerWindow,
    double WindowSeconds,
    int? RequestsPerDay,
    long? TokensPerDay,
    int? ConcurrentRequests)
{
    public bool Any => RequestsPerWindow is not null || TokensPerWindow is not null || RequestsPerDay is not null ||
                       TokensPerDay is not null || ConcurrentRequests is not null;

    public TimeSpan Window => TimeSpan.FromSeconds(WindowSeconds);
}
