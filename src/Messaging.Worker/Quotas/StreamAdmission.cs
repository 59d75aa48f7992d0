using Messaging.Interactions;
using Messaging.Worker.Infrastructure;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Quotas;

/// <summary>
/// Keeps the streams of a model within its configured concurrent limit (<see cref="QuotaLimit.ConcurrentStreams"/>),
/// all replicas together: a request takes a place before its run and gives it back when the run ends. Places are
/// leased and renewed by their replica (<see cref="Lease"/>), so a replica that dies gives its places back when
/// they lapse. A request that finds every place held asks again every <see cref="Poll"/>: in the replica up to the
/// client's <see cref="InteractionsClientOptions.MaxRetryAfter"/>, then, if nothing of it exists at the API yet, on the
/// broker (<see cref="QuotaWaitException"/>). When the count cannot be reached, it keeps asking: never out uncounted.
/// </summary>
internal sealed class StreamAdmission(IOptions<QuotaOptions> options, IOptions<InteractionsClientOptions> client, IQuotaStreamStore store,
    ApiKeyFingerprint key, TimeProvider clock, WorkerTelemetry telemetry, ILogger<StreamAdmission> logger) : BackgroundService
{
    /// <summary>How long a place is held without renewal.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    /// <summary>How often a request that found every place held asks again.</summary>
    public static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    /// <summary>Whose places these are: this replica's.</summary>
    public Guid Holder { get; } = Guid.NewGuid();

    /// <summary>Takes a place for the request's stream, waiting for one; null when its model has no concurrent limit.</summary>
    public async Task<StreamPlace?> HoldAsync(string model, Guid requestId, bool mayDefer, CancellationToken cancellationToken)
    {
        if (options.Value.LimitFor(model) is not { ConcurrentStreams: { } limit }) return null;
        var quotaKey = $"{key.Value}:{model}";
        var since = clock.GetUtcNow();
        while (true)
        {
            try
            {
                if (await store.TryHoldAsync(quotaKey, requestId, Holder, limit, Lease, cancellationToken))
                {
                    telemetry.QuotaAdmission(model, "stream_held");
                    return new StreamPlace(this, quotaKey, requestId);
                }
                telemetry.QuotaAdmission(model, "streams_full");
            }
            catch (Exception ex) when (QuotaCount.IsUnreachable(ex))
            {
                logger.LogWarning(ex, "The stream count for {Model} cannot be reached; the request asks again", model);
            }
            var now = clock.GetUtcNow();
            if (mayDefer && now - since >= client.Value.MaxRetryAfter)
                throw new QuotaWaitException(model, now + TimeSpan.FromSeconds(5), $"its {limit} concurrent streams are running");
            await Task.Delay(Poll, clock, cancellationToken);
        }
    }

    internal async Task ReleaseAsync(string quotaKey, Guid requestId)
    {
        try
        {
            await store.ReleaseAsync(quotaKey, requestId, CancellationToken.None);
        }
        catch (Exception ex) when (QuotaCount.IsUnreachable(ex))
        {
            logger.LogWarning(ex, "A stream place could not be given back; it lapses within {Lease}", Lease);
        }
    }

    /// <summary>Renews this replica's places a few times per lease.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Limits.All(static l => l.ConcurrentStreams is null)) return;
        using var timer = new PeriodicTimer(Lease / 3, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await store.RenewAsync(Holder, Lease, stoppingToken);
            }
            catch (Exception ex) when (QuotaCount.IsUnreachable(ex))
            {
                logger.LogWarning(ex, "The stream places of this replica could not be renewed; trying again");
            }
        }
    }
}

/// <summary>A request's place among its model's concurrent streams, given back when disposed.</summary>
internal sealed class StreamPlace(StreamAdmission admission, string quotaKey, Guid requestId) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => new(admission.ReleaseAsync(quotaKey, requestId));
}
