using Npgsql;

namespace Messaging.Benchmarks;

/// <summary>
/// PostgreSQL for the phases that checkpoint there (<c>POSTGRES_CONNECTION_STRING</c>, else <c>infra/start-postgres.sh</c>):
/// the workers' <c>ConnectionStrings:Sagas</c> and a checkpoint table of the benchmark's own, dropped before and after.
/// What the workers cost the database is read from PostgreSQL's own statistics, not from the workers.
/// </summary>
internal sealed class CheckpointDatabase : IAsyncDisposable
{
    public const string Table = "bench_checkpoints";
    private readonly NpgsqlDataSource _data;

    private CheckpointDatabase(string connectionString)
    {
        ConnectionString = connectionString;
        _data = NpgsqlDataSource.Create(connectionString);
    }

    public string ConnectionString { get; }

    public static async Task<CheckpointDatabase> StartAsync(Func<string, string> startScript)
    {
        var address = Environment.GetEnvironmentVariable("POSTGRES_CONNECTION_STRING") is { Length: > 0 } set ? set : startScript("start-postgres.sh");
        var database = new CheckpointDatabase(address);
        await database.DropAsync();
        return database;
    }

    /// <summary>The settings that make a worker checkpoint here.</summary>
    public Dictionary<string, string> WorkerSettings() => new()
    {
        ["ConnectionStrings:Sagas"] = ConnectionString, ["Checkpoints:TableName"] = Table, ["Conversations:Enabled"] = "false",
    };

    /// <summary>Committed transactions in the database and rows written to the checkpoint table, so far.</summary>
    public async Task<(long Transactions, long Rows)> CountersAsync()
    {
        // The statistics collector publishes with a delay: ask for a fresh snapshot.
        await using var command = _data.CreateCommand($"""
            SELECT pg_stat_clear_snapshot();
            SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()),
                   coalesce((SELECT n_tup_ins + n_tup_upd FROM pg_stat_user_tables WHERE relname = '{Table}'), 0)
            """);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.NextResultAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private async Task DropAsync()
    {
        await using var drop = _data.CreateCommand($"DROP TABLE IF EXISTS \"{Table}\"");
        await drop.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await DropAsync();
        await _data.DisposeAsync();
    }
}
