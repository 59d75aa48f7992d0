namespace Messaging.Worker.Quotas;

/// <summary>The windows of one process: right for a single replica (the worker without a database).</summary>
internal sealed class InMemoryQuotaWindowStore : IQuotaWindowStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (DateTimeOffset Start, int Taken)> _windows = [];

    public Task<bool> TryTakeAsync(string quotaKey, DateTimeOffset windowStart, int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var (start, taken) = _windows.GetValueOrDefault(quotaKey);
            if (start != windowStart) taken = 0;
            if (taken >= limit) return Task.FromResult(false);
            _windows[quotaKey] = (windowStart, taken + 1);
            return Task.FromResult(true);
        }
    }
}
