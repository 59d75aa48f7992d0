using MassTransit;
using MassTransit.Context;
using MassTransit.Saga;

namespace Messaging.Sagas;

/// <summary>
/// What MassTransit's saga pipe calls for one message: load, insert, save, update, delete, each one statement of the
/// store. <c>Save</c> (a new instance) and <c>Update</c>/<c>Delete</c> (an instance read at some version) throw
/// <see cref="ConcurrencyException"/> when another consumer wrote first; the endpoint's retry then runs the message
/// again on the fresh row.
/// </summary>
internal sealed class NpgsqlSagaRepositoryContext<TSaga, TMessage> : ConsumeContextScope<TMessage>, SagaRepositoryContext<TSaga, TMessage>
    where TSaga : class, ISagaVersion
    where TMessage : class
{
    private readonly ConsumeContext<TMessage> _context;
    private readonly ISagaConsumeContextFactory<NpgsqlSagaStore<TSaga>, TSaga> _factory;
    private readonly NpgsqlSagaStore<TSaga> _store;

    public NpgsqlSagaRepositoryContext(NpgsqlSagaStore<TSaga> store, ConsumeContext<TMessage> context,
        ISagaConsumeContextFactory<NpgsqlSagaStore<TSaga>, TSaga> factory)
        : base(context)
    {
        _store = store;
        _context = context;
        _factory = factory;
    }

    public Task<SagaConsumeContext<TSaga, TMessage>> Add(TSaga instance) =>
        _factory.CreateSagaConsumeContext(_store, _context, instance, SagaConsumeContextMode.Add);

    /// <summary>
    /// The early insert of <c>InsertOnInitial</c>: when the row exists already, MassTransit expects null and loads it.
    /// </summary>
    public async Task<SagaConsumeContext<TSaga, TMessage>> Insert(TSaga instance)
    {
        if (!await _store.TryInsertAsync(instance, CancellationToken)) return null!;
        return await _factory.CreateSagaConsumeContext(_store, _context, instance, SagaConsumeContextMode.Insert);
    }

    public async Task<SagaConsumeContext<TSaga, TMessage>> Load(Guid correlationId)
    {
        var instance = await _store.LoadAsync(correlationId, CancellationToken);
        if (instance is null) return null!;
        return await _factory.CreateSagaConsumeContext(_store, _context, instance, SagaConsumeContextMode.Load);
    }

    public Task Save(SagaConsumeContext<TSaga> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return _store.InsertAsync(context.Saga, CancellationToken);
    }

    public Task Update(SagaConsumeContext<TSaga> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return _store.UpdateAsync(context.Saga, CancellationToken);
    }

    public Task Delete(SagaConsumeContext<TSaga> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return _store.DeleteAsync(context.Saga, CancellationToken);
    }

    // Nothing was written for a discarded or undone instance: every write happens in Save/Update/Delete.
    public Task Discard(SagaConsumeContext<TSaga> context) => Task.CompletedTask;

    public Task Undo(SagaConsumeContext<TSaga> context) => Task.CompletedTask;

    public Task<SagaConsumeContext<TSaga, T>> CreateSagaConsumeContext<T>(ConsumeContext<T> consumeContext, TSaga instance, SagaConsumeContextMode mode)
        where T : class =>
        _factory.CreateSagaConsumeContext(_store, consumeContext, instance, mode);
}
