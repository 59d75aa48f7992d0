using MassTransit;
using MassTransit.Saga;
using Messaging.Sagas;
using Messaging.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RabbitMQ.Client;

namespace Messaging.Sagas.Npgsql.Tests;

/// <summary>
/// The repository under a real MassTransit bus: racing messages lose no update, a retried message publishes once,
/// two replicas share one table, a finalized saga's row goes, and the due finder is registered.
/// </summary>
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
public sealed class NpgsqlSagaRepositoryTests(PostgresFixture db) : IClassFixture<PostgresFixture>
{
    private const int Sagas = 5;
    private const int MessagesPerSaga = 80;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<CounterBus> StartReplicaAsync(string table, Uri? rabbitMq = null, string prefix = "") =>
        CounterBus.StartAsync(saga => saga.NpgsqlRepository(db.ConnectionString, o => o.TableName = table), Ct, rabbitMq, prefix);

    [Fact]
    public async Task Hundreds_of_concurrent_increments_lose_no_update_and_publish_each_count_once()
    {
        var table = db.NewTable();
        await using var replica = await StartReplicaAsync(table);
        var ids = Enumerable.Range(0, Sagas).Select(_ => NewId.NextGuid()).ToList();

        await Task.WhenAll(Enumerable.Range(0, MessagesPerSaga).SelectMany(_ => ids).Select(id => replica.Bus.Publish(new IncrementCounter(id), Ct)));
        await WaitForCountsAsync(table, ids);
        // The outbox publishes a count once its write is saved: the last ones may still be on their way to the recorder.
        using (var published = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            published.CancelAfter(TimeSpan.FromSeconds(30));
            while (replica.Increments.Count < Sagas * MessagesPerSaga) await Task.Delay(10, published.Token);
        }
        await replica.StopAsync();

        await AssertCountsAsync(table, ids);
        AssertPublishedOnce(ids, replica.Increments);
        Assert.Empty(replica.Faults);
        TestContext.Current.TestOutputHelper?.WriteLine($"write conflicts retried: {replica.Conflicts.Count}");
    }

    [Fact]
    public async Task Two_replicas_sharing_the_table_lose_no_update()
    {
        var table = db.NewTable();
        await using var first = await StartReplicaAsync(table);
        await using var second = await StartReplicaAsync(table);
        var ids = Enumerable.Range(0, Sagas).Select(_ => NewId.NextGuid()).ToList();

        // Every saga gets half its messages on each replica: both create it at once, then both update it.
        await Task.WhenAll(Enumerable.Range(0, MessagesPerSaga).SelectMany(i => ids.Select(id => (i, id)))
            .Select(m => (m.i % 2 == 0 ? first : second).Bus.Publish(new IncrementCounter(m.id), Ct)));
        await WaitForCountsAsync(table, ids);
        await first.StopAsync();
        await second.StopAsync();

        await AssertCountsAsync(table, ids);
        AssertPublishedOnce(ids, [.. first.Increments, .. second.Increments]);
        Assert.Empty(first.Faults);
        Assert.Empty(second.Faults);
        TestContext.Current.TestOutputHelper?.WriteLine($"write conflicts retried: {first.Conflicts.Count} + {second.Conflicts.Count}");
    }

    [Fact]
    public async Task Two_replicas_competing_for_one_rabbitmq_queue_lose_no_update()
    {
        await using var broker = await TestService.RabbitMqAsync();
        var prefix = $"st{Guid.NewGuid():N}"[..10] + "-";
        var table = db.NewTable();
        try
        {
            await using var first = await StartReplicaAsync(table, broker.Url, prefix);
            await using var second = await StartReplicaAsync(table, broker.Url, prefix);
            var ids = Enumerable.Range(0, Sagas).Select(_ => NewId.NextGuid()).ToList();

            await Task.WhenAll(Enumerable.Range(0, MessagesPerSaga).SelectMany(_ => ids).Select(id => first.Bus.Publish(new IncrementCounter(id), Ct)));
            await WaitForCountsAsync(table, ids);
            // Each replica's observer queue receives every event; wait until the first has them all, then stop both.
            await PollAsync(() => Task.FromResult(first.Increments.Count), n => n >= ids.Count * MessagesPerSaga);
            await first.StopAsync();
            await second.StopAsync();

            await AssertCountsAsync(table, ids);
            AssertPublishedOnce(ids, first.Increments);
            Assert.Empty(first.Faults);
            Assert.Empty(second.Faults);
            TestContext.Current.TestOutputHelper?.WriteLine($"write conflicts retried: {first.Conflicts.Count} + {second.Conflicts.Count}");
        }
        finally
        {
            await DeleteTopologyAsync(broker.Url, prefix);
        }
    }

    [Fact]
    public async Task A_finalized_saga_is_deleted_and_the_state_is_readable_through_masstransit()
    {
        var table = db.NewTable();
        await using var replica = await StartReplicaAsync(table);
        var id = NewId.NextGuid();
        const string payload = "{\"b\":2,\"a\":1}";

        await replica.Bus.Publish(new IncrementCounter(id, Payload: payload), Ct);
        var loader = replica.Services.GetRequiredService<ILoadSagaRepository<CounterState>>();
        var saga = await PollAsync(() => loader.Load(id), s => s is not null);
        Assert.Equal(payload, saga!.Payload);
        Assert.Equal(1, saga.Version);
        var query = replica.Services.GetRequiredService<IQuerySagaRepository<CounterState>>();
        Assert.Equal([id], await query.Find(new SagaQuery<CounterState>(s => s.Payload == payload)));

        await replica.Bus.Publish(new FinishCounter(id), Ct);
        await PollAsync(() => TableScalarAsync($"SELECT count(*) FROM \"{table}\" WHERE correlation_id = $1", id), n => n == 0);

        Assert.Null(await loader.Load(id));
    }

    [Fact]
    public async Task Registers_an_npgsql_due_finder_that_sees_what_the_saga_wrote()
    {
        var table = db.NewTable();
        await using var replica = await StartReplicaAsync(table);
        var now = DateTime.UtcNow;
        var overdue = NewId.NextGuid();
        var notYet = NewId.NextGuid();
        var none = NewId.NextGuid();

        await replica.Bus.Publish(new IncrementCounter(overdue, now.AddMinutes(-5)), Ct);
        await replica.Bus.Publish(new IncrementCounter(notYet, now.AddMinutes(5)), Ct);
        await replica.Bus.Publish(new IncrementCounter(none), Ct);
        await PollAsync(() => TableScalarAsync($"SELECT count(*) FROM \"{table}\""), n => n == 3);

        var finder = replica.Services.GetRequiredService<IDueSagaFinder<CounterState>>();
        Assert.Equal([overdue], await finder.FindDueAsync(now, 100, Ct));
        Assert.Equal([overdue, notYet], await finder.FindDueAsync(now.AddMinutes(10), 100, Ct));
    }

    /// <summary>The durable queues and exchanges a RabbitMQ test created (deleting one that does not exist is a no-op).</summary>
    private static async Task DeleteTopologyAsync(Uri broker, string prefix)
    {
        var queue = new KebabCaseEndpointNameFormatter(prefix, false).Saga<CounterState>();
        await using var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync(CancellationToken.None);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: CancellationToken.None);
        foreach (var name in new[] { queue, queue + "_error", queue + "_skipped" })
        {
            await channel.QueueDeleteAsync(name, cancellationToken: CancellationToken.None);
            await channel.ExchangeDeleteAsync(name, cancellationToken: CancellationToken.None);
        }
        var messages = new[] { typeof(IncrementCounter), typeof(CounterIncremented), typeof(FinishCounter) }
            .Select(t => $"{t.Namespace}:{t.Name}")
            .SelectMany(m => new[] { m, $"MassTransit:Fault--{m}--" })
            .Concat(["MassTransit:Fault", "MassTransit:ReceiveFault"]);
        foreach (var exchange in messages) await channel.ExchangeDeleteAsync(prefix + exchange, cancellationToken: CancellationToken.None);
    }

    private async Task WaitForCountsAsync(string table, List<Guid> ids) =>
        await PollAsync(() => TableScalarAsync($"SELECT coalesce(sum((state->>'Count')::int), 0) FROM \"{table}\""),
            total => total == ids.Count * MessagesPerSaga);

    private async Task AssertCountsAsync(string table, IEnumerable<Guid> ids)
    {
        await using var store = new NpgsqlSagaStore<CounterState>(db.ConnectionString, new NpgsqlSagaRepositoryOptions { TableName = table });
        foreach (var id in ids)
        {
            var saga = await store.LoadAsync(id, Ct);
            Assert.NotNull(saga);
            Assert.Equal(MessagesPerSaga, saga.Count);
            // One insert and an update per further message: every write counted, none lost.
            Assert.Equal(MessagesPerSaga, saga.Version);
        }
    }

    private static void AssertPublishedOnce(IEnumerable<Guid> ids, IReadOnlyCollection<CounterIncremented> published)
    {
        foreach (var id in ids)
            Assert.Equal(Enumerable.Range(1, MessagesPerSaga), published.Where(p => p.CounterId == id).Select(p => p.Count).Order());
    }

    /// <summary>A number read from the saga table; -1 while the first message has not created it yet.</summary>
    private async Task<long> TableScalarAsync(string sql, params object[] parameters)
    {
        try
        {
            return await db.ScalarAsync<long>(sql, parameters);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return -1;
        }
    }

    /// <summary>Reads until the condition holds; returns the last reading either way, for the assertion that follows.</summary>
    private static async Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        var value = await read();
        while (!done(value) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Ct);
            value = await read();
        }
        return value;
    }
}
