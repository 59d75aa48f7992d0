namespace Messaging.Worker.Quotas;

/// <summary>The windows of one process: right for a single replica (the worker without a database).</summary>
internal sealed class InMemoryQuotaWindowStore : IQuotaWindowStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Window> _windows = [];
    private readonly Dictionary<string, (DateTimeOffset Start, Dictionary<string, int> Tenants)> _waiting = [];

    public Task<QuotaTake> TryTakeAsync(string quotaKey, int limit, string tenant, Func<QuotaWindow> currentWindow, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = currentWindow();
            var (windowStart, nextWindowStart) = (now.Start, now.End);
            var window = Current(quotaKey, windowStart);
            if (window is null) return Task.FromResult(new QuotaTake(false, now));
            var own = window.Tenants.GetValueOrDefault(tenant);
            if (FairShare.Admits(limit, window.Tenants, tenant))
            {
                window.Tenants[tenant] = own with { Admitted = own.Admitted + 1 };
                return Task.FromResult(new QuotaTake(true, now));
            }
            CountWaiting(quotaKey, nextWindowStart, tenant);
            return Task.FromResult(new QuotaTake(false, now));
        }
    }

    public Task WaitAsync(string quotaKey, DateTimeOffset windowStart, string tenant, CancellationToken cancellationToken)
    {
        lock (_gate) CountWaiting(quotaKey, windowStart, tenant);
        return Task.CompletedTask;
    }

    private void CountWaiting(string quotaKey, DateTimeOffset windowStart, string tenant)
    {
        if (!_waiting.TryGetValue(quotaKey, out var next) || next.Start != windowStart)
            _waiting[quotaKey] = next = (windowStart, new Dictionary<string, int>());
        next.Tenants[tenant] = next.Tenants.GetValueOrDefault(tenant) + 1;
    }

    public Task<bool> TryReserveTokensAsync(string quotaKey, DateTimeOffset windowStart, long tokens, long limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var window = Current(quotaKey, windowStart);
            if (window is null || (window.Tokens > 0 && window.Tokens + tokens > limit)) return Task.FromResult(false);
            window.Tokens += tokens;
            return Task.FromResult(true);
        }
    }

    public Task SettleTokensAsync(string quotaKey, DateTimeOffset windowStart, long delta, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_windows.TryGetValue(quotaKey, out var window) && window.Start == windowStart) window.Tokens = Math.Max(0, window.Tokens + delta);
        }
        return Task.CompletedTask;
    }

    // The key's window that starts at windowStart, begun when it is newer than the one kept; null for an older one.
    private Window? Current(string quotaKey, DateTimeOffset windowStart)
    {
        if (_windows.TryGetValue(quotaKey, out var window))
        {
            if (window.Start == windowStart) return window;
            if (window.Start > windowStart) return null;
        }
        window = new Window { Start = windowStart };
        if (_waiting.TryGetValue(quotaKey, out var waiting) && waiting.Start <= windowStart)
        {
            _waiting.Remove(quotaKey);
            if (waiting.Start == windowStart)
                foreach (var (tenant, count) in waiting.Tenants) window.Tenants[tenant] = new FairShare.Demand(0, count);
        }
        _windows[quotaKey] = window;
        return window;
    }

    private sealed class Window
    {
        public DateTimeOffset Start { get; init; }

        public Dictionary<string, FairShare.Demand> Tenants { get; } = new(StringComparer.Ordinal);

        public long Tokens { get; set; }
    }
}
