namespace Messaging.Worker.Sagas;

/// <summary>The sweeper's view of the saga table: one indexed query on <c>due_at</c>, shared by every replica.</summary>
internal sealed class NpgsqlDueSagaFinder<TSaga> : IDueSagaFinder<TSaga>
    where TSaga : class, IDueSaga
{
    private readonly NpgsqlSagaStore<TSaga> _store;

    public NpgsqlDueSagaFinder(NpgsqlSagaStore<TSaga> store)
    {
        _store = store;
    }

    public Task<IReadOnlyList<Guid>> FindDueAsync(DateTime nowUtc, int limit, CancellationToken cancellationToken) =>
        _store.FindDueAsync(nowUtc, limit, cancellationToken);
}
