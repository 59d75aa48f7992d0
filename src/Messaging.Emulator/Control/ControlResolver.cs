using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Emulator.Api;
using Messaging.Emulator.Json;
using Messaging.Emulator.Quotas;
using Microsoft.Extensions.Options;

namespace Messaging.Emulator.Control;

/// <summary>
/// Resolves the controls of one request: a create-body label (<c>emulator_chunks</c>) wins over a
/// header (<c>x-emulator-chunks</c>), which wins over <see cref="EmulatorOptions"/>. Unknown
/// <c>emulator_*</c> keys and unreadable values are rejected so a typo never goes unnoticed.
/// </summary>
internal sealed class ControlResolver(IOptions<EmulatorOptions> options)
{
    public const string Chunks = "emulator_chunks";
    public const string ChunkDelayMs = "emulator_chunk_delay_ms";
    public const string FirstTokenMs = "emulator_first_token_ms";
    public const string BackgroundMs = "emulator_background_ms";
    public const string Fault = "emulator_fault";
    public const string FaultCount = "emulator_fault_count";
    public const string FaultAfter = "emulator_fault_after";
    public const string RetryAfterS = "emulator_retry_after_s";
    public const string FunctionRounds = "emulator_function_rounds";
    public const string ContinuationHops = "emulator_continuation_hops";
    public const string ResumeFaultKey = "emulator_resume_fault";
    public const string QuotaRequests = "emulator_quota_requests";
    public const string QuotaTokens = "emulator_quota_tokens";
    public const string QuotaWindowS = "emulator_quota_window_s";
    public const string QuotaRequestsPerDay = "emulator_quota_requests_per_day";
    public const string QuotaTokensPerDay = "emulator_quota_tokens_per_day";
    public const string QuotaConcurrent = "emulator_quota_concurrent";

    private const string LabelPrefix = "emulator_";
    private const string HeaderPrefix = "x-emulator-";

    private static readonly string[] Keys =
    [
        Chunks, ChunkDelayMs, FirstTokenMs, BackgroundMs, Fault, FaultCount, FaultAfter, RetryAfterS, FunctionRounds, ContinuationHops,
        ResumeFaultKey, QuotaRequests, QuotaTokens, QuotaWindowS, QuotaRequestsPerDay, QuotaTokensPerDay, QuotaConcurrent,
    ];

    /// <summary>Controls for a create: labels, headers and every configured default, faults included.</summary>
    public EmulatorControls ForCreate(JsonObject body, IHeaderDictionary headers) =>
        Resolve(ReadLabels(body), headers, useConfiguredFault: true);

    /// <summary>Controls for get, cancel and delete: faults come only from headers there.</summary>
    public EmulatorControls ForFollowUp(IHeaderDictionary headers) => Resolve(null, headers, useConfiguredFault: false);

    public static FaultKind ParseFault(string value) => value switch
    {
        "" or "none" => FaultKind.None,
        "rate_limit" => FaultKind.RateLimit,
        "server_error" => FaultKind.ServerError,
        "bad_request" => FaultKind.BadRequest,
        "cut_stream" => FaultKind.CutStream,
        "stall" => FaultKind.Stall,
        "malformed_sse" => FaultKind.MalformedSse,
        "bare_json_error" => FaultKind.BareJsonError,
        "failed" => FaultKind.Failed,
        "omit_usage" => FaultKind.OmitUsage,
        _ => throw ApiException.InvalidArgument(
            $"Unknown emulator fault '{value}'; expected none, rate_limit, server_error, bad_request, cut_stream, stall, malformed_sse, bare_json_error, failed or omit_usage."),
    };

    public static ResumeFault ParseResumeFault(string value) => value switch
    {
        "" or "none" => ResumeFault.None,
        "unknown_name_stream" => ResumeFault.UnknownNameStream,
        "replay_then_hang" => ResumeFault.ReplayThenHang,
        _ => throw ApiException.InvalidArgument(
            $"Unknown emulator resume fault '{value}'; expected none, unknown_name_stream or replay_then_hang."),
    };

    private EmulatorControls Resolve(Dictionary<string, string>? labels, IHeaderDictionary headers, bool useConfiguredFault)
    {
        var values = new Dictionary<string, (string Value, string Source)>(StringComparer.Ordinal);
        foreach (var header in headers)
        {
            if (header.Key.StartsWith(HeaderPrefix, StringComparison.OrdinalIgnoreCase))
            {
                var key = "emulator_" + header.Key[HeaderPrefix.Length..].ToLowerInvariant().Replace('-', '_');
                values[key] = (header.Value.ToString().Trim(), $"header '{header.Key}'");
            }
        }

        if (labels is not null)
        {
            foreach (var (key, value) in labels)
            {
                values[key] = (value, $"label '{key}'");
            }
        }

        foreach (var key in values.Keys)
        {
            if (Array.IndexOf(Keys, key) < 0)
            {
                throw ApiException.InvalidArgument(
                    $"Unknown emulator control {values[key].Source}; known controls: {string.Join(", ", Keys)}.");
            }
        }

        var defaults = options.Value;
        var fault = values.TryGetValue(Fault, out var faultValue)
            ? ParseFault(faultValue.Value)
            : useConfiguredFault && defaults.Fault is { } configured ? ParseFault(configured) : FaultKind.None;

        return new EmulatorControls(
            Chunks: Integer(values, Chunks, defaults.Chunks, minimum: 1),
            ChunkDelayMs: Integer(values, ChunkDelayMs, defaults.ChunkDelayMs, minimum: 0),
            FirstTokenMs: Integer(values, FirstTokenMs, defaults.FirstTokenMs, minimum: 0),
            BackgroundMs: Integer(values, BackgroundMs, defaults.BackgroundMs, minimum: 0),
            Fault: fault,
            FaultCount: values.ContainsKey(FaultCount) ? Integer(values, FaultCount, 0, minimum: 0) : defaults.FaultCount,
            FaultAfter: Integer(values, FaultAfter, defaults.FaultAfter, minimum: 0),
            RetryAfterSeconds: Integer(values, RetryAfterS, defaults.RetryAfterSeconds, minimum: 0),
            RetryAfterGiven: values.ContainsKey(RetryAfterS),
            FunctionRounds: Integer(values, FunctionRounds, defaults.FunctionRounds, minimum: 0),
            ContinuationHops: Integer(values, ContinuationHops, defaults.ContinuationHops, minimum: 0),
            ResumeFault: values.TryGetValue(ResumeFaultKey, out var resume) ? ParseResumeFault(resume.Value) : ResumeFault.None,
            Quota: QuotaOf(values));
    }

    // A quota of the create's own: counted apart from the configured ones, per API key, model and these limits.
    private static QuotaLimits? QuotaOf(Dictionary<string, (string Value, string Source)> values)
    {
        int? Limit(string key) => values.ContainsKey(key) ? Integer(values, key, 0, minimum: 1) : null;
        var limits = new QuotaLimits(
            Limit(QuotaRequests), Limit(QuotaTokens), Limit(QuotaWindowS) ?? 60, Limit(QuotaRequestsPerDay), Limit(QuotaTokensPerDay), Limit(QuotaConcurrent));
        return limits.Any ? limits : null;
    }

    private static int Integer(Dictionary<string, (string Value, string Source)> values, string key, int fallback, int minimum)
    {
        if (!values.TryGetValue(key, out var entry))
        {
            return fallback;
        }

        if (!int.TryParse(entry.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < minimum)
        {
            throw ApiException.InvalidArgument(
                $"Emulator control {entry.Source} must be a whole number of at least {minimum}, got '{entry.Value}'.");
        }

        return number;
    }

    // Read leniently here: the labels are validated with the rest of the body afterwards.
    private static Dictionary<string, string>? ReadLabels(JsonObject body)
    {
        if (body["labels"] is not JsonObject labels)
        {
            return null;
        }

        Dictionary<string, string>? controls = null;
        foreach (var (key, value) in labels)
        {
            if (key.StartsWith(LabelPrefix, StringComparison.Ordinal) && EmulatorJson.Kind(value) == JsonValueKind.String)
            {
                controls ??= new Dictionary<string, string>(StringComparer.Ordinal);
                controls[key] = value!.GetValue<string>();
            }
        }

        return controls;
    }
}
