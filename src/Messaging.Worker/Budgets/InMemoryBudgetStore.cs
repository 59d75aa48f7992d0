using System.Collections.Concurrent;

namespace Messaging.Worker.Budgets;

/// <summary>Budgets in this process (no database): one replica's count, lost when it stops.</summary>
internal sealed class InMemoryBudgetStore : IBudgetStore
{
    private readonly ConcurrentDictionary<(string, string, DateTimeOffset), long> _used = new();

    public Task<long> UsedAsync(string scope, string subject, DateTimeOffset periodStart, CancellationToken cancellationToken) =>
        Task.FromResult(_used.GetValueOrDefault((scope, subject, periodStart)));

    public Task AddAsync(string scope, string subject, DateTimeOffset periodStart, long tokens, CancellationToken cancellationToken)
    {
        _used.AddOrUpdate((scope, subject, periodStart), tokens, (_, used) => used + tokens);
        return Task.CompletedTask;
    }
}
