namespace Messaging.Worker.Quotas;

/// <summary>The places of a concurrent-streams limit, for all replicas (<see cref="StreamAdmission"/>): one leased row per running request.</summary>
internal interface IQuotaStreamStore
{
    /// <summary>Takes (or keeps) a place for <paramref name="requestId"/> among the <paramref name="limit"/> of <paramref name="quotaKey"/>; false when all are held.</summary>
    Task<bool> TryHoldAsync(string quotaKey, Guid requestId, Guid holder, int limit, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Extends the leases of every place <paramref name="holder"/> holds.</summary>
    Task RenewAsync(Guid holder, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Gives a place back.</summary>
    Task ReleaseAsync(string quotaKey, Guid requestId, CancellationToken cancellationToken);
}
