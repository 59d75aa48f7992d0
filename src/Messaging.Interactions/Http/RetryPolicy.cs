using System.Net;
using Polly;

namespace Messaging.Interactions.Http;

/// <summary>
/// Which outcomes are retried: 408, 429, 5xx and transport faults (connection errors, timeouts); never
/// other 4xx, whose answer will not change. A wait asked for (<c>Retry-After</c> or the body's <c>retryDelay</c>) longer than the allowed wait is not
/// retried here: the caller gets the error with the wait in it and can reschedule the work.
/// </summary>
internal static class RetryPolicy
{
    public static async ValueTask<bool> ShouldRetryAsync(Outcome<HttpResponseMessage> outcome, TimeSpan maxRetryAfter, CancellationToken cancellationToken)
    {
        if (outcome.Exception is not null)
            return outcome.Exception is HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException;
        if (outcome.Result is not { } response) return false;
        var code = (int)response.StatusCode;
        var retryable = response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || code >= 500;
        if (!retryable) return false;
        return await RetryAfter.ReadAsync(response, cancellationToken).ConfigureAwait(false) is not { } wait || wait <= maxRetryAfter;
    }
}
