using MassTransit.Saga;

namespace Messaging.Sagas;

/// <summary>
/// The sweeper's view of MassTransit's in-memory saga repository (the single-process default): a scan of the
/// <see cref="IndexedSagaDictionary{TSaga}"/> that repository registers, so the same sweeper runs with or without PostgreSQL.
/// </summary>
internal sealed class InMemoryDueSagaFinder<TSaga> : IDueSagaFinder<TSaga>
    where TSaga : class, IDueSaga
{
    private readonly IndexedSagaDictionary<TSaga> _sagas;

    public InMemoryDueSagaFinder(IndexedSagaDictionary<TSaga> sagas)
    {
        _sagas = sagas;
    }

    public Task<IReadOnlyList<Guid>> FindDueAsync(DateTime nowUtc, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var now = DueTime.AsUtc(nowUtc);
        // Where copies the matches under the dictionary's lock; each DueAt is then read once.
        var due = _sagas.Where(new SagaQuery<TSaga>(x => x.DueAt != null))
            .Select(x => (x.Instance.CorrelationId, x.Instance.DueAt))
            .Where(x => x.DueAt is not null)
            .Select(x => (x.CorrelationId, DueAt: DueTime.AsUtc(x.DueAt!.Value)))
            .Where(x => x.DueAt <= now)
            .OrderBy(x => x.DueAt)
            .Take(limit)
            .Select(x => x.CorrelationId)
            .ToList();
        return Task.FromResult<IReadOnlyList<Guid>>(due);
    }
}
