using Messaging.Interactions.Quotas;
using Messaging.Worker.Infrastructure;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Quotas;

/// <summary>
/// Admits creates within the configured limits (<see cref="QuotaOptions.Limits"/>), all replicas together: each create
/// takes a place in its model's current window (aligned to the clock, as the API's minutes are), and one that finds the
/// window full — or its tenant's fair share of it taken while another tenant's requests wait (<see cref="FairShare"/>) —
/// waits for the next (the client waits a short time itself, and a longer one puts the request off: <see cref="QuotaDeferrals"/>). So a burst goes out at the rate the quota allows instead of meeting it with 429s. When
/// the count cannot be reached (the database is down), creates for limited models wait and try again each second —
/// never out uncounted.
/// </summary>
internal sealed class WindowAdmission(IOptions<QuotaOptions> options, IQuotaWindowStore store, ApiKeyFingerprint key, TimeProvider clock,
    WorkerTelemetry telemetry, ILogger<WindowAdmission> logger) : IQuotaAdmission
{
    /// <summary>How long a create waits before it tries again when the count cannot be reached.</summary>
    public static readonly TimeSpan Unreachable = TimeSpan.FromSeconds(1);

    public ValueTask<TimeSpan?> TryAdmitAsync(string model, CancellationToken cancellationToken) => TryAdmitAsync(model, null, cancellationToken);

    public async ValueTask<TimeSpan?> TryAdmitAsync(string model, string? tenant, CancellationToken cancellationToken)
    {
        if (options.Value.LimitFor(model) is not { RequestsPerWindow: { } perWindow } limit) return null;
        // Late in a window, a create waits for the next one: admitted now, it could reach the API after the window ended there.
        var now = clock.GetUtcNow();
        var guard = TimeSpan.FromTicks(Math.Min(options.Value.WindowGuard.Ticks, limit.Window.Ticks / 10));
        var end = limit.WindowStart(now) + limit.Window;
        try
        {
            if (end - now <= guard)
            {
                // It waits for the next window like any refused create: its tenant's demand there counts it.
                await store.WaitAsync(limit.WindowKey(key, model), end, tenant ?? "", cancellationToken);
                telemetry.QuotaAdmission(model, "window_end", tenant);
                return end - now;
            }
            var take = await store.TryTakeAsync(limit.WindowKey(key, model), perWindow, tenant ?? "", () =>
            {
                var start = limit.WindowStart(clock.GetUtcNow());
                return new QuotaWindow(start, start + limit.Window);
            }, cancellationToken);
            telemetry.QuotaAdmission(model, take.Admitted ? "admitted" : "full", tenant);
            return take.Admitted ? null : TimeSpan.FromTicks(Math.Max(0, (take.Window.End - clock.GetUtcNow()).Ticks));
        }
        catch (Exception ex) when (QuotaCount.IsUnreachable(ex))
        {
            telemetry.QuotaAdmission(model, "unreachable", tenant);
            logger.LogWarning(ex, "The quota count for {Model} cannot be reached; its creates wait {Wait} and try again", model, Unreachable);
            return Unreachable;
        }
    }
}
