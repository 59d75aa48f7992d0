using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Messaging.Emulator.Api;

/// <summary>Writes Google's error body with <c>application/json</c>.</summary>
internal static class ErrorResponse
{
    public static Task WriteAsync(HttpResponse response, ApiException error) =>
        WriteAsync(response, error.HttpStatus, error.Status, error.Message, error.RetryAfterSeconds, error.Details);

    public static async Task WriteAsync(HttpResponse response, int httpStatus, string status, string message, int? retryAfterSeconds = null,
        IReadOnlyList<JsonObject>? details = null)
    {
        response.StatusCode = httpStatus;
        response.ContentType = JsonResponse.ContentType;
        if (retryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        await JsonResponse.WriteBodyAsync(response, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteNumber("code", httpStatus);
            writer.WriteString("message", message);
            writer.WriteString("status", status);
            writer.WriteStartArray("details");
            foreach (var detail in details ?? [])
            {
                detail.WriteTo(writer);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndObject();
        });
    }
}
