using System.Text.Json;
using MassTransit;
using Messaging.Sagas;

namespace Messaging.Sagas.Npgsql.Tests;

/// <summary>The statements under the repository, against a real PostgreSQL: schema, round trip, versions, due times.</summary>
[Trait("Needs", "PostgreSQL")]
public sealed class NpgsqlSagaStoreTests(PostgresFixture db) : IClassFixture<PostgresFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private NpgsqlSagaStore<CounterState> NewStore(string table) =>
        new(db.ConnectionString, new NpgsqlSagaRepositoryOptions { TableName = table });

    private static CounterState NewCounter(DateTime? dueAt = null) =>
        new() { CorrelationId = NewId.NextGuid(), CurrentState = "Counting", Count = 1, DueAt = dueAt };

    [Fact]
    public async Task Creates_the_table_and_its_due_index_on_first_use_even_when_three_replicas_start_at_once()
    {
        var table = db.NewTable();
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE tablename = $1", table));

        var replicas = Enumerable.Range(0, 3).Select(_ => NewStore(table)).ToList();
        await Task.WhenAll(replicas.Select(r => r.EnsureSchemaAsync(Ct)));
        await Task.WhenAll(replicas.Select(r => r.EnsureSchemaAsync(Ct)));

        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = $1", table));
        string Column(string name) => $"SELECT data_type || ':' || is_nullable FROM information_schema.columns WHERE table_name = $1 AND column_name = '{name}'";
        Assert.Equal("uuid:NO", await db.ScalarAsync<string>(Column("correlation_id"), table));
        Assert.Equal("integer:NO", await db.ScalarAsync<string>(Column("version"), table));
        Assert.Equal("timestamp with time zone:YES", await db.ScalarAsync<string>(Column("due_at"), table));
        Assert.Equal("timestamp with time zone:NO", await db.ScalarAsync<string>(Column("updated_at"), table));
        Assert.Equal("json:NO", await db.ScalarAsync<string>(Column("state"), table));
        Assert.Contains("(due_at)", await db.ScalarAsync<string>("SELECT indexdef FROM pg_indexes WHERE tablename = $1 AND indexdef LIKE '%due_at%'", table));
        foreach (var replica in replicas) await replica.DisposeAsync();
    }

    [Fact]
    public async Task Creates_a_configured_schema_that_does_not_exist_yet_even_for_two_tables_at_once()
    {
        var schema = db.NewSchema();
        await using var counters = new NpgsqlSagaStore<CounterState>(db.ConnectionString,
            new NpgsqlSagaRepositoryOptions { Schema = schema, TableName = "counters" });
        await using var others = new NpgsqlSagaStore<CounterState>(db.ConnectionString,
            new NpgsqlSagaRepositoryOptions { Schema = schema, TableName = "others" });
        var counter = NewCounter();

        await Task.WhenAll(counters.InsertAsync(counter, Ct), others.EnsureSchemaAsync(Ct));

        Assert.Equal(2L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE schemaname = $1", schema));
        Assert.Equal(1, (await counters.LoadAsync(counter.CorrelationId, Ct))!.Count);
    }

    [Fact]
    public void Names_the_table_after_the_saga_type_in_snake_case()
    {
        Assert.Equal("conversation_state", NpgsqlSagaTable.SnakeCase("ConversationState"));
        Assert.Equal("http_call_state", NpgsqlSagaTable.SnakeCase("HTTPCallState"));
        Assert.Equal("counter_state", NpgsqlSagaTable.For(typeof(CounterState), new NpgsqlSagaRepositoryOptions()).Name);
        Assert.Equal("\"public\".\"counter_state\"", NpgsqlSagaTable.For(typeof(CounterState), new NpgsqlSagaRepositoryOptions()).QualifiedName);
    }

    [Fact]
    public async Task Round_trip_keeps_raw_api_json_byte_identical_and_the_column_holds_exactly_the_serialised_text()
    {
        await using var store = NewStore(db.NewTable());
        // Member order, spacing, escapes, non-ASCII and a number beyond double: everything jsonb would normalise.
        const string payload = "{\"z\":1,  \"a\":[1.0e2, \"caf\\u00e9\\n\", \"é😀\"], \"big\":123456789012345678901234567890, \"a\":\"dup\"}";
        var counter = NewCounter();
        counter.Payload = payload;

        await store.InsertAsync(counter, Ct);
        var loaded = await store.LoadAsync(counter.CorrelationId, Ct);

        Assert.NotNull(loaded);
        Assert.Equal(payload, loaded.Payload);
        Assert.Equal(1, loaded.Version);
        Assert.Equal("Counting", loaded.CurrentState);
        var stored = await db.ScalarAsync<string>($"SELECT state::text FROM \"{store.Table.Name}\" WHERE correlation_id = $1", counter.CorrelationId);
        Assert.Equal(JsonSerializer.Serialize(counter), stored);

        loaded.Count++;
        await store.UpdateAsync(loaded, Ct);
        var updated = await store.LoadAsync(counter.CorrelationId, Ct);
        Assert.Equal(payload, updated!.Payload);
        Assert.Equal(2, updated.Count);
        Assert.Equal(2, updated.Version);
    }

    [Fact]
    public async Task An_update_from_a_stale_version_throws_a_concurrency_exception_and_changes_nothing()
    {
        await using var store = NewStore(db.NewTable());
        var counter = NewCounter();
        await store.InsertAsync(counter, Ct);
        var first = (await store.LoadAsync(counter.CorrelationId, Ct))!;
        var second = (await store.LoadAsync(counter.CorrelationId, Ct))!;

        first.Count = 10;
        await store.UpdateAsync(first, Ct);
        second.Count = 20;
        var error = await Assert.ThrowsAsync<ConcurrencyException>(() => store.UpdateAsync(second, Ct));

        Assert.Equal(counter.CorrelationId, error.CorrelationId);
        Assert.Equal(typeof(CounterState), error.SagaType);
        Assert.Equal(1, second.Version);
        var current = (await store.LoadAsync(counter.CorrelationId, Ct))!;
        Assert.Equal(10, current.Count);
        Assert.Equal(2, current.Version);
    }

    [Fact]
    public async Task Inserting_an_id_that_exists_throws_a_concurrency_exception_and_keeps_the_first()
    {
        await using var store = NewStore(db.NewTable());
        var counter = NewCounter();
        await store.InsertAsync(counter, Ct);
        var twin = NewCounter();
        twin.CorrelationId = counter.CorrelationId;
        twin.Count = 99;

        await Assert.ThrowsAsync<ConcurrencyException>(() => store.InsertAsync(twin, Ct));
        Assert.False(await store.TryInsertAsync(twin, Ct));

        Assert.Equal(1, (await store.LoadAsync(counter.CorrelationId, Ct))!.Count);
    }

    [Fact]
    public async Task Delete_checks_the_version_then_removes_the_row()
    {
        await using var store = NewStore(db.NewTable());
        var counter = NewCounter();
        await store.InsertAsync(counter, Ct);
        var stale = (await store.LoadAsync(counter.CorrelationId, Ct))!;
        var current = (await store.LoadAsync(counter.CorrelationId, Ct))!;
        await store.UpdateAsync(current, Ct);

        await Assert.ThrowsAsync<ConcurrencyException>(() => store.DeleteAsync(stale, Ct));
        Assert.NotNull(await store.LoadAsync(counter.CorrelationId, Ct));

        await store.DeleteAsync(current, Ct);
        Assert.Null(await store.LoadAsync(counter.CorrelationId, Ct));
    }

    [Fact]
    public async Task FindDue_returns_exactly_the_due_ones_earliest_first_and_follows_updates()
    {
        await using var store = NewStore(db.NewTable());
        var now = new DateTime(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);
        var longAgo = NewCounter(now.AddMinutes(-10));
        var justNow = NewCounter(now);
        var aMinuteAgo = NewCounter(now.AddMinutes(-1));
        var later = NewCounter(now.AddMinutes(1));
        var never = NewCounter();
        foreach (var counter in new[] { later, justNow, never, aMinuteAgo, longAgo }) await store.InsertAsync(counter, Ct);

        Assert.Equal([longAgo.CorrelationId, aMinuteAgo.CorrelationId, justNow.CorrelationId], await store.FindDueAsync(now, 10, Ct));
        Assert.Equal([longAgo.CorrelationId, aMinuteAgo.CorrelationId], await store.FindDueAsync(now, 2, Ct));

        var handled = (await store.LoadAsync(longAgo.CorrelationId, Ct))!;
        handled.DueAt = null;
        await store.UpdateAsync(handled, Ct);
        var postponed = (await store.LoadAsync(later.CorrelationId, Ct))!;
        postponed.DueAt = now.AddHours(-1);
        await store.UpdateAsync(postponed, Ct);

        Assert.Equal([later.CorrelationId, aMinuteAgo.CorrelationId, justNow.CorrelationId], await store.FindDueAsync(now, 10, Ct));
    }
}
