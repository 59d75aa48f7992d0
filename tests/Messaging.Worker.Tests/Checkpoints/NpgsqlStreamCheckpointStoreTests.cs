using Messaging.Testing;
using Messaging.Worker.Checkpoints;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Messaging.Worker.Tests.Checkpoints;

/// <summary>The checkpoint contract on PostgreSQL (leases on the database's clock), each test on a table of its own.</summary>
[Trait("Needs", "PostgreSQL")]
public sealed class NpgsqlStreamCheckpointStoreTests : StreamCheckpointStoreContract
{
    private readonly string _table = $"checkpoints_{Guid.NewGuid():N}"[..24];
    private TestService? _database;
    private NpgsqlStreamCheckpointStore? _store;
    private NpgsqlDataSource? _pool;

    public override async ValueTask InitializeAsync()
    {
        _database = await TestService.PostgreSqlAsync();
        _pool = NpgsqlDataSource.Create(_database.Address);
        _store = new NpgsqlStreamCheckpointStore(_pool, Options.Create(new CheckpointOptions { TableName = _table }));
        Store = _store;
    }

    private protected override Task TickAsync() => Task.Delay(5, Ct); // now() moves on between statements

    private protected override async ValueTask CleanUpAsync()
    {
        if (_store is not null) await _store.DisposeAsync();
        if (_pool is not null) await _pool.DisposeAsync();
        if (_database is null) return;
        await using (var data = NpgsqlDataSource.Create(_database.Address))
        await using (var drop = data.CreateCommand($"DROP TABLE IF EXISTS \"{_table}\""))
            await drop.ExecuteNonQueryAsync();
        await _database.DisposeAsync();
    }
}
