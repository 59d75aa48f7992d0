using Messaging.Interactions;
using Messaging.Interactions.Models;
using Messaging.Worker.Infrastructure;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Quotas;

/// <summary>
/// Admits each create (each hop of a request) within its model's configured tokens per window, all replicas together:
/// its estimate (<see cref="TokenEstimate"/>) is reserved in the current window before it is sent, and settled with the
/// tokens the API reports for it after (the stream's own usage). A window with no room makes the create wait for the
/// next (in the replica when that is within <see cref="InteractionsClientOptions.MaxRetryAfter"/>, else on the broker:
/// <see cref="QuotaWaitException"/>). The first reservation of a window is always admitted, however large, as the
/// API lets a request over its per-minute limit through on its own. When the count cannot be reached the create waits
/// and asks again: never out uncounted.
/// </summary>
internal sealed class TokenAdmission(IOptions<QuotaOptions> options, IOptions<InteractionsClientOptions> client, IQuotaWindowStore store,
    ApiKeyFingerprint key, TimeProvider clock, WorkerTelemetry telemetry, ILogger<TokenAdmission> logger)
{
    /// <summary>
    /// Reserves the create's tokens, waiting for room; null when its model has no token limit. A wait longer than the
    /// client's puts the request off (<see cref="QuotaWaitException"/>) only when <paramref name="mayDefer"/> (its first
    /// create: nothing of it exists at the API yet); a later hop waits here.
    /// </summary>
    public async Task<TokenReservation?> ReserveAsync(string model, CreateInteractionRequest body, bool mayDefer, CancellationToken cancellationToken)
    {
        if (options.Value.LimitFor(model) is not { TokensPerWindow: { } limit } rule) return null;
        var tokens = TokenEstimate.Of(body, options.Value.DefaultOutputTokens);
        var quotaKey = rule.WindowKey(key, model);
        while (true)
        {
            var now = clock.GetUtcNow();
            var start = rule.WindowStart(now);
            TimeSpan wait;
            try
            {
                if (await store.TryReserveTokensAsync(quotaKey, start, tokens, limit, cancellationToken))
                {
                    telemetry.QuotaTokens(model, "reserved", tokens, body.Tenant);
                    return new TokenReservation(quotaKey, start, tokens, model, body.Tenant);
                }
                telemetry.QuotaTokens(model, "refused", tokens, body.Tenant);
                wait = start + rule.Window - now;
            }
            catch (Exception ex) when (QuotaCount.IsUnreachable(ex))
            {
                logger.LogWarning(ex, "The token count for {Model} cannot be reached; the create waits {Wait} and asks again", model, WindowAdmission.Unreachable);
                wait = WindowAdmission.Unreachable;
            }
            if (mayDefer && wait > client.Value.MaxRetryAfter) throw new QuotaWaitException(model, now + wait, $"the window's {limit} tokens are reserved");
            await Task.Delay(wait, clock, cancellationToken);
        }
    }

    /// <summary>Replaces the reservation by the tokens the API reported (unknown: the reservation stays).</summary>
    public async Task SettleAsync(TokenReservation? reservation, long? used)
    {
        if (reservation is null || used is not { } actual) return;
        var delta = actual - reservation.Tokens;
        telemetry.QuotaTokens(reservation.Model, "used", actual, reservation.Tenant);
        if (delta == 0) return;
        try
        {
            await store.SettleTokensAsync(reservation.QuotaKey, reservation.WindowStart, delta, CancellationToken.None);
        }
        catch (Exception ex) when (QuotaCount.IsUnreachable(ex))
        {
            logger.LogWarning(ex, "The token count for {Model} could not be settled ({Delta:+#;-#} tokens); the window keeps the estimate", reservation.Model, delta);
        }
    }
}

/// <summary>Tokens reserved in a window for one create, until the API says how many it used.</summary>
internal sealed record TokenReservation(string QuotaKey, DateTimeOffset WindowStart, long Tokens, string Model, string? Tenant);
