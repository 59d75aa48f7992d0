using System.Collections.Concurrent;
using Messaging.Testing;
using Npgsql;

namespace Messaging.Sagas.Npgsql.Tests;

/// <summary>One database for the saga tests; each test takes a table (or schema) of its own, and all are dropped at the end.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private readonly ConcurrentBag<string> _tables = [];
    private readonly ConcurrentBag<string> _schemas = [];
    private TestService? _database;

    public string ConnectionString => _database!.Address;

    public async ValueTask InitializeAsync() => _database = await TestService.PostgreSqlAsync();

    /// <summary>A table name no other test uses.</summary>
    public string NewTable()
    {
        var name = $"counter_test_{Guid.NewGuid():N}";
        _tables.Add(name);
        return name;
    }

    /// <summary>A schema name no other test uses (the schema does not exist yet).</summary>
    public string NewSchema()
    {
        var name = $"saga_test_{Guid.NewGuid():N}";
        _schemas.Add(name);
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
            var drops = _tables.Select(t => $"DROP TABLE IF EXISTS \"{t}\"").Concat(_schemas.Select(s => $"DROP SCHEMA IF EXISTS \"{s}\" CASCADE"));
            foreach (var drop in drops)
            {
                await using var command = dataSource.CreateCommand(drop);
                await command.ExecuteNonQueryAsync();
            }
        }
        await _database.DisposeAsync();
    }
}
