using MassTransit;
using MassTransit.Saga;

namespace Messaging.Sagas;

/// <summary>
/// The Npgsql saga repository as MassTransit 8.5 plugs a repository in: one factory behind
/// <see cref="ISagaRepositoryContextFactory{TSaga}"/> (messages), <see cref="ILoadSagaRepositoryContextFactory{TSaga}"/>
/// and <see cref="IQuerySagaRepositoryContextFactory{TSaga}"/> (reads), as its Redis and Dapper repositories do.
/// </summary>
internal sealed class NpgsqlSagaRepositoryContextFactory<TSaga> :
    ISagaRepositoryContextFactory<TSaga>,
    ILoadSagaRepositoryContextFactory<TSaga>,
    IQuerySagaRepositoryContextFactory<TSaga>
    where TSaga : class, ISagaVersion
{
    private readonly ISagaConsumeContextFactory<NpgsqlSagaStore<TSaga>, TSaga> _factory;
    private readonly NpgsqlSagaStore<TSaga> _store;

    public NpgsqlSagaRepositoryContextFactory(NpgsqlSagaStore<TSaga> store, ISagaConsumeContextFactory<NpgsqlSagaStore<TSaga>, TSaga> factory)
    {
        _store = store;
        _factory = factory;
    }

    public void Probe(ProbeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Add("persistence", "npgsql");
        context.Add("table", _store.Table.QualifiedName);
    }

    public async Task Send<T>(ConsumeContext<T> context, IPipe<SagaRepositoryContext<TSaga, T>> next)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        await _store.EnsureSchemaAsync(context.CancellationToken);
        await next.Send(new NpgsqlSagaRepositoryContext<TSaga, T>(_store, context, _factory));
    }

    public async Task SendQuery<T>(ConsumeContext<T> context, ISagaQuery<TSaga> query, IPipe<SagaRepositoryQueryContext<TSaga, T>> next)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(next);
        var instances = await _store.QueryAsync(query.GetFilter(), context.CancellationToken);
        var repositoryContext = new NpgsqlSagaRepositoryContext<TSaga, T>(_store, context, _factory);
        await next.Send(new LoadedSagaRepositoryQueryContext<TSaga, T>(repositoryContext, instances));
    }

    public Task<T> Execute<T>(Func<LoadSagaRepositoryContext<TSaga>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(asyncMethod);
        return asyncMethod(new NpgsqlSagaLookupContext<TSaga>(_store, cancellationToken));
    }

    public Task<T> Execute<T>(Func<QuerySagaRepositoryContext<TSaga>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(asyncMethod);
        return asyncMethod(new NpgsqlSagaLookupContext<TSaga>(_store, cancellationToken));
    }
}
