namespace Messaging.Worker.Quotas;

/// <summary>Counts the creates of each quota window, for all replicas (<see cref="WindowAdmission"/>).</summary>
internal interface IQuotaWindowStore
{
    /// <summary>
    /// Takes one of the <paramref name="limit"/> places of the window <paramref name="windowStart"/> for <paramref name="quotaKey"/>,
    /// for <paramref name="tenant"/> (empty: none) within its fair share (<see cref="FairShare"/>); false when none is left for it,
    /// and then the request counts as waiting for the window <paramref name="nextWindowStart"/>.
    /// </summary>
    Task<bool> TryTakeAsync(string quotaKey, DateTimeOffset windowStart, int limit, string tenant, DateTimeOffset nextWindowStart, CancellationToken cancellationToken);

    /// <summary>
    /// Reserves <paramref name="tokens"/> of the window's <paramref name="limit"/>; false when they do not fit. The first
    /// reservation of a window always fits.
    /// </summary>
    Task<bool> TryReserveTokensAsync(string quotaKey, DateTimeOffset windowStart, long tokens, long limit, CancellationToken cancellationToken);

    /// <summary>Corrects a window's tokens by <paramref name="delta"/> (the usage reported against the reservation).</summary>
    Task SettleTokensAsync(string quotaKey, DateTimeOffset windowStart, long delta, CancellationToken cancellationToken);
}
