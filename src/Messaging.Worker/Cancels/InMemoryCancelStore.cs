using Messaging.Contracts;

namespace Messaging.Worker.Cancels;

/// <summary>Cancels in this process's memory: the single-process default (no PostgreSQL), where one process sees every cancel anyway.</summary>
internal sealed class InMemoryCancelStore(TimeProvider clock) : ICancelStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, RememberedCancel> _cancels = [];

    public Task RecordAsync(Guid cancelId, CancelInteraction cancel, CancellationToken cancellationToken)
    {
        lock (_gate) _cancels.TryAdd(cancelId, new RememberedCancel(cancelId, cancel, clock.GetUtcNow()));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<RememberedCancel>> ReadSinceAsync(DateTimeOffset? since, CancellationToken cancellationToken)
    {
        lock (_gate) return Task.FromResult<IReadOnlyList<RememberedCancel>>(_cancels.Values.Where(c => since is null || c.ReceivedAt >= since).ToList());
    }

    public Task<int> RemoveOlderThanAsync(TimeSpan retention, CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow() - retention;
        lock (_gate)
        {
            var old = _cancels.Values.Where(c => c.ReceivedAt < cutoff).Select(c => c.CancelId).ToList();
            foreach (var id in old) _cancels.Remove(id);
            return Task.FromResult(old.Count);
        }
    }
}
