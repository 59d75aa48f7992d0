using System.Net;
using Messaging.Interactions.Quotas;
using Microsoft.Extensions.Options;

namespace Messaging.Interactions.Http;

/// <summary>
/// Holds creates while their model's quota cooldown runs (<see cref="IQuotaCooldowns"/>) or its configured quota is
/// spent for the window (<see cref="IQuotaAdmission"/>, when one is registered), and reports each 429 and each admitted
/// create to the cooldowns. Sits inside the retry pipeline, so a retry waits for a cooldown another process started
/// meanwhile; a cooldown longer than <see cref="InteractionsClientOptions.MaxRetryAfter"/> fails the create without
/// sending it. Only requests that carry <see cref="ModelKey"/> (creates) are concerned.
/// </summary>
internal sealed class QuotaCooldownHandler(IQuotaCooldowns cooldowns, IQuotaAdmission? admission, IOptionsMonitor<InteractionsClientOptions> options,
    TimeProvider clock)
    : DelegatingHandler
{
    /// <summary>The model (or agent) a create is for.</summary>
    public static readonly HttpRequestOptionsKey<string> ModelKey = new("Messaging.Interactions.QuotaModel");

    /// <summary>The tenant a create counts for (<see cref="Models.CreateInteractionRequest.Tenant"/>), when it has one.</summary>
    public static readonly HttpRequestOptionsKey<string> TenantKey = new("Messaging.Interactions.QuotaTenant");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(ModelKey, out var model)) return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var tenant = request.Options.TryGetValue(TenantKey, out var named) ? named : null;

        while (true)
        {
            if (cooldowns.Remaining(model) is { } cooling)
            {
                await HoldAsync(cooling, model, $"the API's quota for {model} was exhausted, and creates for it are held for another {cooling.TotalSeconds:0.#} s (a 429 this process or another on the same key received)", cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (admission is not null && await admission.TryAdmitAsync(model, tenant, cancellationToken).ConfigureAwait(false) is { } full)
            {
                await HoldAsync(full, model, $"the configured quota for {model} is spent for this window; the next place is in {full.TotalSeconds:0.#} s", cancellationToken).ConfigureAwait(false);
                continue;
            }
            break;
        }

        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
            cooldowns.Refused(model, await RetryAfter.ReadAsync(response, cancellationToken).ConfigureAwait(false));
        else if (response.IsSuccessStatusCode)
            cooldowns.Admitted(model);
        return response;
    }

    // A short hold is waited here; a longer one fails the create unsent, with the wait, for the caller to reschedule.
    private async Task HoldAsync(TimeSpan wait, string model, string why, CancellationToken cancellationToken)
    {
        if (wait > options.CurrentValue.MaxRetryAfter)
            throw new InteractionsApiException(HttpStatusCode.TooManyRequests, "RESOURCE_EXHAUSTED", $"Not sent: {why}.", wait, error: null, attempts: 0)
            {
                HeldByCooldown = true,
            };
        await Task.Delay(wait, clock, cancellationToken).ConfigureAwait(false);
    }
}
