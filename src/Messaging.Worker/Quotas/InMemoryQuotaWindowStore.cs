namespace Messaging.Worker.Quotas;

/// <summary>The windows of one process: right for a single replica (the worker without a database).</summary>
internal sealed class InMemoryQuotaWindowStore : IQuotaWindowStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Window> _windows = [];

    public Task<bool> TryTakeAsync(string quotaKey, DateTimeOffset windowStart, int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var window = Current(quotaKey, windowStart);
            if (window is null || window.Requests >= limit) return Task.FromResult(false);
            window.Requests++;
            return Task.FromResult(true);
        }
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
        _windows[quotaKey] = window;
        return window;
    }

    private sealed class Window
    {
        public DateTimeOffset Start { get; init; }

        public int Requests { get; set; }

        public long Tokens { get; set; }
    }
}
