using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Messaging.Emulator.Api;

namespace Messaging.Emulator.Quotas;

/// <summary>
/// The 429 Gemini answers past a quota: <c>RESOURCE_EXHAUSTED</c>, a message naming each metric and limit and "Please
/// retry in …", and in <c>details</c> a <c>google.rpc.QuotaFailure</c> (metric, quota id, dimensions, value), a
/// <c>google.rpc.Help</c> link and a <c>google.rpc.RetryInfo</c> whose <c>retryDelay</c> is fractional seconds
/// (<c>"45.837906927s"</c>). Like Gemini, no <c>Retry-After</c> header: a client must read the body.
/// </summary>
internal static class QuotaRefusal
{
    private const string MetricPrefix = "generativelanguage.googleapis.com/";

    public static ApiException Of(IReadOnlyList<QuotaViolation> violations, string model)
    {
        var retryIn = violations.Max(static v => v.RetryIn);
        var message = new StringBuilder(
            "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.");
        var list = new JsonArray();
        foreach (var violation in violations)
        {
            var (metric, quotaId) = Names(violation);
            message.Append(CultureInfo.InvariantCulture, $"\n* Quota exceeded for metric: {metric}, limit: {violation.Limit}, model: {model}");
            list.Add(new JsonObject
            {
                ["quotaMetric"] = metric,
                ["quotaId"] = quotaId,
                ["quotaDimensions"] = new JsonObject { ["location"] = "global", ["model"] = model },
                ["quotaValue"] = violation.Limit.ToString(CultureInfo.InvariantCulture),
            });
        }

        var delay = RetryDelay(retryIn);
        message.Append(CultureInfo.InvariantCulture, $"\nPlease retry in {delay}.");
        JsonObject[] details =
        [
            new() { ["@type"] = "type.googleapis.com/google.rpc.QuotaFailure", ["violations"] = list },
            new()
            {
                ["@type"] = "type.googleapis.com/google.rpc.Help",
                ["links"] = new JsonArray(new JsonObject
                {
                    ["description"] = "Learn more about Gemini API quotas",
                    ["url"] = "https://ai.google.dev/gemini-api/docs/rate-limits",
                }),
            },
            new() { ["@type"] = "type.googleapis.com/google.rpc.RetryInfo", ["retryDelay"] = delay },
        ];
        return ApiException.ResourceExhausted(message.ToString(), retryAfterSeconds: null, details);
    }

    /// <summary>Protobuf's Duration in JSON: seconds with up to nine decimals and an <c>s</c>.</summary>
    public static string RetryDelay(TimeSpan wait)
    {
        var seconds = Math.Max(0, wait.Ticks) / (decimal)TimeSpan.TicksPerSecond;
        return seconds.ToString("0.#########", CultureInfo.InvariantCulture) + "s";
    }

    private static (string Metric, string QuotaId) Names(QuotaViolation violation)
    {
        var per = violation.Bucket.Limits.WindowSeconds == 60
            ? "PerMinute"
            : string.Create(CultureInfo.InvariantCulture, $"Per{violation.Bucket.Limits.WindowSeconds:0.###}Seconds");
        return violation.Kind switch
        {
            QuotaKind.RequestsPerWindow => (MetricPrefix + "generate_content_requests", $"GenerateRequests{per}PerProjectPerModel"),
            QuotaKind.TokensPerWindow => (MetricPrefix + "generate_content_tokens", $"GenerateContentTokens{per}PerProjectPerModel"),
            QuotaKind.RequestsPerDay => (MetricPrefix + "generate_content_requests", "GenerateRequestsPerDayPerProjectPerModel"),
            QuotaKind.TokensPerDay => (MetricPrefix + "generate_content_tokens", "GenerateContentTokensPerDayPerProjectPerModel"),
            _ => (MetricPrefix + "concurrent_interactions", "ConcurrentInteractionsPerProjectPerModel"),
        };
    }
}
