using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Messaging.Interactions.Http;

/// <summary>
/// Reads the wait a server asks for: <c>retry-after-ms</c> (Google's), else <c>Retry-After</c> (seconds or an HTTP
/// date), and for a 429 or 503 the error body's <c>google.rpc.RetryInfo.retryDelay</c> (<see cref="RetryInfo"/>),
/// which is how Gemini says it; the longest of them wins.
/// </summary>
internal static class RetryAfter
{
    /// <summary>Error bodies larger than this are not read for a retry delay (Google's are a few hundred bytes).</summary>
    private const long MaxErrorBodyBytes = 64 * 1024;

    public static TimeSpan? Read(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("retry-after-ms", out var ms)
            && double.TryParse(ms.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var millis) && millis >= 0)
            return TimeSpan.FromMilliseconds(millis);
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta;
        if (header?.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }

    /// <summary>
    /// The header's wait, or the body's <c>retryDelay</c> if longer. The body is buffered first, so whoever reads the
    /// error afterwards still can.
    /// </summary>
    public static async ValueTask<TimeSpan?> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var header = Read(response);
        if (response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)
            || response.Content.Headers.ContentType?.MediaType != "application/json"
            || response.Content.Headers.ContentLength > MaxErrorBodyBytes)
            return header;
        try
        {
            await response.Content.LoadIntoBufferAsync(MaxErrorBodyBytes, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var delay = JsonNode.Parse(body) is JsonObject { } root ? RetryInfo.Delay(root["error"] as JsonObject) : null;
            return Longest(header, delay);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or InvalidOperationException)
        {
            return header; // an unreadable body asks for nothing more than its headers
        }
    }

    public static TimeSpan? Longest(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
