using System.Net;
using System.Text.Json.Nodes;

namespace Messaging.Interactions;

/// <summary>
/// The API answered with an error. Carries the HTTP status, the API's error status name and message,
/// and <c>Retry-After</c>. It never holds the API key or the request headers.
/// </summary>
public sealed class InteractionsApiException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InteractionsApiException(HttpStatusCode statusCode, string? errorStatus, string apiMessage, TimeSpan? retryAfter = null,
        JsonObject? error = null, int attempts = 1)
        : base($"{(int)statusCode} {errorStatus ?? statusCode.ToString()}: {apiMessage}")
    {
        StatusCode = statusCode;
        ErrorStatus = errorStatus;
        ApiMessage = apiMessage;
        RetryAfter = retryAfter;
        Error = error;
        Attempts = attempts;
    }

    /// <summary>Creates the exception.</summary>
    public InteractionsApiException() : this(HttpStatusCode.InternalServerError, null, "Unknown error") { }

    /// <summary>Creates the exception.</summary>
    public InteractionsApiException(string message) : this(HttpStatusCode.InternalServerError, null, message) { }

    /// <summary>Creates the exception.</summary>
    public InteractionsApiException(string message, Exception innerException) : base(message, innerException) => ApiMessage = message;

    /// <summary>The HTTP status.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The API's status name, e.g. <c>RESOURCE_EXHAUSTED</c>, when the body had one.</summary>
    public string? ErrorStatus { get; }

    /// <summary>The API's <c>error.message</c>, or a description of the unexpected answer.</summary>
    public string ApiMessage { get; } = "";

    /// <summary>
    /// The wait the server asked for, if any: the longest of <c>retry-after-ms</c>, <c>Retry-After</c> and the error's
    /// <c>google.rpc.RetryInfo.retryDelay</c> (Gemini's quota errors carry only the last).
    /// </summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>The API's <c>error</c> object as received, if the body was JSON.</summary>
    public JsonObject? Error { get; }

    /// <summary>The <c>quotaId</c> of each violation in the error's <c>google.rpc.QuotaFailure</c>, e.g. <c>GenerateRequestsPerMinutePerProjectPerModel</c>; empty when it names none.</summary>
    public IReadOnlyList<string> QuotaIds => Http.RetryInfo.QuotaIds(Error);

    /// <summary>True when a quota the error names is a daily one (its id says <c>PerDay</c>): waiting minutes will not help.</summary>
    public bool IsDailyQuota => QuotaIds.Any(static id => id.Contains("PerDay", StringComparison.Ordinal));

    /// <summary>
    /// True when the create was never sent: its model's quota cooldown (started by a 429 here or on another process on
    /// the same key), or its configured quota for the window (<see cref="Quotas.IQuotaAdmission"/>), holds it longer than
    /// the client may wait; <see cref="RetryAfter"/> says how long.
    /// </summary>
    public bool HeldByCooldown { get; init; }

    /// <summary>How many attempts were made, retries included.</summary>
    public int Attempts { get; }

    /// <summary>True for statuses worth retrying later: 408, 429 and 5xx.</summary>
    public bool IsRetryable => StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)StatusCode >= 500;
}
