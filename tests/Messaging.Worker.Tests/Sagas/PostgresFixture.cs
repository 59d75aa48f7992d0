using System.Collections.Concurrent;
using Messaging.Worker.Tests.Support;
using Npgsql;

namespace Messaging.Worker.Tests.Sagas;

/// <summary>One database for the saga tests; each test takes a table of its own, and every table is dropped at the end.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private readonly ConcurrentBag<string> _tables = [];
    private PostgresDatabase? _database;

    public string ConnectionString => _database!.ConnectionString;

    public async ValueTask InitializeAsync() => _database = await PostgresDatabase.StartAsync();

    /// <summary>A table name no other test uses.</summary>
    public string NewTable()
    {
        var name = $"counter_test_{Guid.NewGuid():N}";
        _tables.Add(name);
        return name;
    }

    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters) command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        if (_database is null) return;
        await using (var dataSource = NpgsqlDataSource.Create(ConnectionString))
        {
            foreach (var table in _tables)
            {
                await using var command = dataSource.CreateCommand($"DROP TABLE IF EXISTS \"{table}\"");
                await command.ExecuteNonQueryAsync();
            }
        }
        await _database.DisposeAsync();
    }
}
