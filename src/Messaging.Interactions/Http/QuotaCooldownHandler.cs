using System.Net;
using Messaging.Interactions.Quotas;
using Microsoft.Extensions.Options;

namespace Messaging.Interactions.Http;

/// <summary>
/// Holds creates while their model's quota cooldown runs (<see cref="IQuotaCooldowns"/>) and reports each 429 and
/// each admitted create to it. Sits inside the retry pipeline, so a retry waits for a cooldown another process started
/// meanwhile; a cooldown longer than <see cref="InteractionsClientOptions.MaxRetryAfter"/> fails the create without
/// sending it. Only requests that carry <see cref="ModelKey"/> (creates) are concerned.
/// </summary>
internal sealed class QuotaCooldownHandler(IQuotaCooldowns cooldowns, IOptionsMonitor<InteractionsClientOptions> options, TimeProvider clock)
    : DelegatingHandler
{
    /// <summary>The model (or agent) a create is for.</summary>
    public static readonly HttpRequestOptionsKey<string> ModelKey = new("Messaging.Interactions.QuotaModel");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(ModelKey, out var model)) return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);

        while (cooldowns.Remaining(model) is { } wait)
        {
            if (wait > options.CurrentValue.MaxRetryAfter)
                throw new InteractionsApiException(HttpStatusCode.TooManyRequests, "RESOURCE_EXHAUSTED",
                    $"Not sent: the API's quota for {model} was exhausted, and creates for it are held for another {wait.TotalSeconds:0.#} s (a 429 this process or another on the same key received).",
                    wait, error: null, attempts: 0) { HeldByCooldown = true };
            await Task.Delay(wait, clock, cancellationToken).ConfigureAwait(false);
        }

        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
            cooldowns.Refused(model, await RetryAfter.ReadAsync(response, cancellationToken).ConfigureAwait(false));
        else if (response.IsSuccessStatusCode)
            cooldowns.Admitted(model);
        return response;
    }
}
