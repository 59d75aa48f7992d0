namespace Messaging.Emulator;

/// <summary>
/// Defaults for the emulator's pacing, faults and scripted behaviour, bound from the configuration
/// section <c>Emulator</c>. Each control can be overridden per request by a create-body label
/// (<c>emulator_chunks</c>) or a header (<c>x-emulator-chunks</c>); a label wins over a header,
/// a header over these defaults. The values are read on every request, so tests may change them
/// on a running server.
/// </summary>
public sealed class EmulatorOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "Emulator";

    /// <summary>Number of <c>text</c> deltas a streamed text block is split into (label <c>emulator_chunks</c>). Default 5.</summary>
    public int Chunks { get; set; } = 5;

    /// <summary>Delay in milliseconds between two streamed deltas (label <c>emulator_chunk_delay_ms</c>). Default 0.</summary>
    public int ChunkDelayMs { get; set; }

    /// <summary>Delay in milliseconds before the first step of a foreground run (label <c>emulator_first_token_ms</c>). Default 0.</summary>
    public int FirstTokenMs { get; set; }

    /// <summary>How long a background run stays <c>in_progress</c> before it produces its steps, in milliseconds (label <c>emulator_background_ms</c>). Default 1000.</summary>
    public int BackgroundMs { get; set; } = 1000;

    /// <summary>
    /// Fault injected into create requests (label <c>emulator_fault</c>): <c>none</c>, <c>rate_limit</c>,
    /// <c>server_error</c>, <c>bad_request</c>, <c>cut_stream</c>, <c>stall</c>, <c>malformed_sse</c>,
    /// <c>failed</c> or <c>omit_usage</c>. Default none.
    /// </summary>
    public string? Fault { get; set; }

    /// <summary>How many attempts of an identical request fail before one succeeds (label <c>emulator_fault_count</c>). Default null: every attempt fails.</summary>
    public int? FaultCount { get; set; }

    /// <summary>Number of SSE events sent before <c>cut_stream</c>, <c>stall</c> or <c>malformed_sse</c> strikes (label <c>emulator_fault_after</c>). Default 3.</summary>
    public int FaultAfter { get; set; } = 3;

    /// <summary><c>Retry-After</c> seconds sent with <c>rate_limit</c> (label <c>emulator_retry_after_s</c>; <c>server_error</c> sends it only when the label or header is given). Default 1.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>Rounds of function calls the model makes before it answers (label <c>emulator_function_rounds</c>). Default 1.</summary>
    public int FunctionRounds { get; set; } = 1;

    /// <summary>Hops that end with <c>requires_continuation</c> before the final one completes (label <c>emulator_continuation_hops</c>). Default 0.</summary>
    public int ContinuationHops { get; set; }

    /// <summary>
    /// Quotas enforced per API key and model, as Gemini's (<see cref="Quotas.EmulatorQuota"/>): requests and tokens per
    /// window and per day, and runs in progress. Empty by default: nothing is limited. A create can add one of its own
    /// with the labels <c>emulator_quota_requests</c>, <c>emulator_quota_tokens</c>, <c>emulator_quota_window_s</c>,
    /// <c>emulator_quota_requests_per_day</c>, <c>emulator_quota_tokens_per_day</c> and <c>emulator_quota_concurrent</c>.
    /// </summary>
    public IList<Quotas.EmulatorQuota> Quotas { get; } = [];

    /// <summary>Whether every request is kept for <see cref="EmulatorServer.Requests"/>; turn off for long benchmarks. Default true.</summary>
    public bool RecordRequests { get; set; } = true;

    /// <summary>Most stored interactions kept in memory; the oldest finished ones are dropped beyond it. Default 10000.</summary>
    public int StoreCapacity { get; set; } = 10_000;

    /// <summary>Secret that signs thought signatures and continuation tokens; null picks a random one per process. Set it to share signatures between replicas.</summary>
    public string? SignatureKey { get; set; }

    /// <summary>Largest accepted request body in bytes (inline media is base64 in JSON). Default 64 MiB.</summary>
    public long MaxRequestBodyBytes { get; set; } = 64L * 1024 * 1024;
}
