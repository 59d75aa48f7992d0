namespace Messaging.Worker.Quotas;

/// <summary>Counts the creates of each quota window, for all replicas (<see cref="WindowAdmission"/>).</summary>
internal interface IQuotaWindowStore
{
    /// <summary>Takes one of the <paramref name="limit"/> places of the window <paramref name="windowStart"/> for <paramref name="quotaKey"/>; false when none is left.</summary>
    Task<bool> TryTakeAsync(string quotaKey, DateTimeOffset windowStart, int limit, CancellationToken cancellationToken);
}
