namespace Messaging.Worker.Quotas;

/// <summary>Counts the creates of each quota window, for all replicas (<see cref="WindowAdmission"/>).</summary>
internal interface IQuotaWindowStore
{
    /// <summary>
    /// Takes one of the <paramref name="limit"/> places of the current window (<paramref name="currentWindow"/>, read when
    /// the decision is made) for <paramref name="quotaKey"/>, for <paramref name="tenant"/> (empty: none) within its fair
    /// share (<see cref="FairShare"/>); refused when none is left for it, and then the request counts as waiting for the
    /// next window. Returns the window it was decided in.
    /// </summary>
    Task<QuotaTake> TryTakeAsync(string quotaKey, int limit, string tenant, Func<QuotaWindow> currentWindow, CancellationToken cancellationToken);

    /// <summary>Counts one request of <paramref name="tenant"/> that waits for the window starting <paramref name="windowStart"/> (its share's demand).</summary>
    Task WaitAsync(string quotaKey, DateTimeOffset windowStart, string tenant, CancellationToken cancellationToken);

    /// <summary>
    /// Reserves <paramref name="tokens"/> of the window's <paramref name="limit"/>; false when they do not fit. The first
    /// reservation of a window always fits.
    /// </summary>
    Task<bool> TryReserveTokensAsync(string quotaKey, DateTimeOffset windowStart, long tokens, long limit, CancellationToken cancellationToken);

    /// <summary>Corrects a window's tokens by <paramref name="delta"/> (the usage reported against the reservation).</summary>
    Task SettleTokensAsync(string quotaKey, DateTimeOffset windowStart, long delta, CancellationToken cancellationToken);
}

/// <summary>A quota window: from <paramref name="Start"/> to <paramref name="End"/> (the next one's start).</summary>
internal readonly record struct QuotaWindow(DateTimeOffset Start, DateTimeOffset End);

/// <summary>Whether a create got a place, and in which window that was decided.</summary>
internal readonly record struct QuotaTake(bool Admitted, QuotaWindow Window);
