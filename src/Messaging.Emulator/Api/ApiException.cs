using System.Text.Json.Nodes;

namespace Messaging.Emulator.Api;

/// <summary>
/// An error answered with Google's error body (<c>{"error":{code,message,status,details}}</c>);
/// thrown anywhere in request handling and written by <see cref="ApiErrorMiddleware"/>.
/// </summary>
#pragma warning disable CA1032, CA1064 // An internal control-flow exception with one meaningful constructor.
internal sealed class ApiException(int httpStatus, string status, string message, int? retryAfterSeconds = null,
    IReadOnlyList<JsonObject>? details = null)
    : Exception(message)
#pragma warning restore CA1032, CA1064
{
    public int HttpStatus { get; } = httpStatus;

    public string Status { get; } = status;

    public int? RetryAfterSeconds { get; } = retryAfterSeconds;

    /// <summary>The error's <c>details</c> (<c>google.rpc.*</c> objects with an <c>@type</c>); empty for most errors.</summary>
    public IReadOnlyList<JsonObject> Details { get; } = details ?? [];

    public static ApiException InvalidArgument(string message) => new(400, "INVALID_ARGUMENT", message);

    public static ApiException FailedPrecondition(string message) => new(400, "FAILED_PRECONDITION", message);

    public static ApiException NotFound(string message = "Interaction not found") => new(404, "NOT_FOUND", message);

    public static ApiException ResourceExhausted(string message, int? retryAfterSeconds, IReadOnlyList<JsonObject>? details = null) =>
        new(429, "RESOURCE_EXHAUSTED", message, retryAfterSeconds, details);

    public static ApiException Unavailable(string message, int? retryAfterSeconds) =>
        new(503, "UNAVAILABLE", message, retryAfterSeconds);
}
