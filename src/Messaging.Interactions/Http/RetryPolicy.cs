using System.Net;
using Polly;

namespace Messaging.Interactions.Http;

/// <summary>
/// Which outcomes are retried: 408, 429, 5xx and transport faults (connection errors, timeouts); never
/// other 4xx, whose answer will not change. A <c>Retry-After</c> longer than the allowed wait is not
/// retried here: the caller gets the error with the wait in it and can reschedule the work.
/// </summary>
internal static class RetryPolicy
{
    public static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, TimeSpan maxRetryAfter)
    {
        if (outcome.Exception is not null)
            return outcome.Exception is HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException;
        if (outcome.Result is not { } response) return false;
        var code = (int)response.StatusCode;
        var retryable = response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || code >= 500;
        if (!retryable) return false;
        return RetryAfter.Read(response) is not { } wait || wait <= maxRetryAfter;
    }
}
