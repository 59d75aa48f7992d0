using System.Text.Json;
using System.Text.Json.Nodes;

namespace Messaging.Interactions.Http;

/// <summary>Turns a non-200 (or non-JSON) answer into an <see cref="InteractionsApiException"/>.</summary>
internal static class ApiErrors
{
    private const int MaxBodyInMessage = 512;

    public static async Task<InteractionsApiException> ReadAsync(HttpResponseMessage response, int attempts, CancellationToken cancellationToken)
    {
        var retryAfter = RetryAfter.Read(response);
        string body;
        try { body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false); }
        catch (HttpRequestException) { body = ""; }

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType == "application/json")
        {
            try
            {
                if (JsonNode.Parse(body) is JsonObject root && root["error"] is JsonObject error)
                {
                    var message = (error["message"] as JsonValue)?.ToString() ?? response.ReasonPhrase ?? "Error";
                    var status = (error["status"] as JsonValue)?.ToString();
                    return new InteractionsApiException(response.StatusCode, status, message, RetryAfter.Longest(retryAfter, RetryInfo.Delay(error)), error, attempts);
                }
            }
            catch (JsonException)
            {
                // Not the Google error shape: fall through to the generic description.
            }
        }
        var excerpt = body.Length > MaxBodyInMessage ? body[..MaxBodyInMessage] + "…" : body;
        return new InteractionsApiException(response.StatusCode, null,
            $"Unexpected status or content type: status {(int)response.StatusCode}, content type {mediaType ?? "none"}. Body: {excerpt}",
            retryAfter, null, attempts);
    }
}
