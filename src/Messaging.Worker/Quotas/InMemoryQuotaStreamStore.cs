namespace Messaging.Worker.Quotas;

/// <summary>The places of one process (the worker without a database): no lease can lapse, a place goes when its stream ends.</summary>
internal sealed class InMemoryQuotaStreamStore : IQuotaStreamStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, HashSet<Guid>> _held = [];

    public Task<bool> TryHoldAsync(string quotaKey, Guid requestId, Guid holder, int limit, TimeSpan lease, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_held.TryGetValue(quotaKey, out var requests)) _held[quotaKey] = requests = [];
            if (requests.Contains(requestId)) return Task.FromResult(true);
            if (requests.Count >= limit) return Task.FromResult(false);
            requests.Add(requestId);
            return Task.FromResult(true);
        }
    }

    public Task RenewAsync(Guid holder, TimeSpan lease, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task ReleaseAsync(string quotaKey, Guid requestId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_held.TryGetValue(quotaKey, out var requests)) requests.Remove(requestId);
        }
        return Task.CompletedTask;
    }
}
