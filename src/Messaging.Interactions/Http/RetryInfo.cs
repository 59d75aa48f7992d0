using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Messaging.Interactions.Http;

/// <summary>
/// Reads what Gemini puts in a quota error's <c>details</c> instead of a <c>Retry-After</c> header:
/// <c>google.rpc.RetryInfo.retryDelay</c>, a protobuf Duration in JSON (<c>"45.837906927s"</c>), and the quota ids of
/// <c>google.rpc.QuotaFailure</c> (<c>GenerateRequestsPerDayPerProjectPerModel</c> names a daily quota).
/// </summary>
internal static class RetryInfo
{
    private const string RetryInfoType = "type.googleapis.com/google.rpc.RetryInfo";
    private const string QuotaFailureType = "type.googleapis.com/google.rpc.QuotaFailure";

    /// <summary>The error's <c>retryDelay</c>, or null when it has none (or none that reads as a duration).</summary>
    public static TimeSpan? Delay(JsonObject? error)
    {
        foreach (var detail in Details(error, RetryInfoType))
        {
            if (detail["retryDelay"] is JsonValue value && value.TryGetValue<string>(out var text) && TryParseDuration(text, out var delay))
                return delay;
        }
        return null;
    }

    /// <summary>The <c>quotaId</c> of every violation the error lists.</summary>
    public static IReadOnlyList<string> QuotaIds(JsonObject? error)
    {
        List<string>? ids = null;
        foreach (var detail in Details(error, QuotaFailureType))
        {
            if (detail["violations"] is not JsonArray violations) continue;
            foreach (var violation in violations)
            {
                if (violation is JsonObject v && v["quotaId"] is JsonValue id && id.TryGetValue<string>(out var text))
                    (ids ??= []).Add(text);
            }
        }
        return ids ?? (IReadOnlyList<string>)[];
    }

    /// <summary>Protobuf's JSON Duration: decimal seconds followed by <c>s</c>, up to nine decimals.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        if (text.Length < 2 || text[^1] != 's') return false;
        if (!decimal.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
            return false;
        if (seconds > (decimal)TimeSpan.MaxValue.TotalSeconds / 2) return false;
        duration = TimeSpan.FromTicks((long)Math.Ceiling(seconds * TimeSpan.TicksPerSecond));
        return true;
    }

    private static IEnumerable<JsonObject> Details(JsonObject? error, string type)
    {
        if (error?["details"] is not JsonArray details) yield break;
        foreach (var detail in details)
        {
            if (detail is JsonObject d && d["@type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String && t.GetValue<string>() == type)
                yield return d;
        }
    }
}
