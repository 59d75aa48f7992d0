using MassTransit;
using MassTransit.Middleware;
using MassTransit.Saga;

namespace Messaging.Sagas;

/// <summary>
/// Reads outside a message (<see cref="ILoadSagaRepository{TSaga}"/>, <see cref="IQuerySagaRepository{TSaga}"/>): what
/// tests and tools use to look at instances.
/// </summary>
internal sealed class NpgsqlSagaLookupContext<TSaga> : BasePipeContext, LoadSagaRepositoryContext<TSaga>, QuerySagaRepositoryContext<TSaga>
    where TSaga : class, ISagaVersion
{
    private readonly NpgsqlSagaStore<TSaga> _store;

    public NpgsqlSagaLookupContext(NpgsqlSagaStore<TSaga> store, CancellationToken cancellationToken)
        : base(cancellationToken)
    {
        _store = store;
    }

    public Task<TSaga> Load(Guid correlationId) => _store.LoadAsync(correlationId, CancellationToken)!;

    public async Task<SagaRepositoryQueryContext<TSaga>> Query(ISagaQuery<TSaga> query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var instances = await _store.QueryAsync(query.GetFilter(), cancellationToken);
        return new DefaultSagaRepositoryQueryContext<TSaga>(this, instances.Select(x => x.CorrelationId).ToList());
    }
}
