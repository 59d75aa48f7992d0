using Messaging.Sagas;
using Npgsql;

namespace Messaging.Worker.Budgets;

/// <summary>
/// Budgets in PostgreSQL (table <c>token_budgets</c>, in the worker's database): one row per subject and period, raised
/// by one statement per charge, so every replica adds to and reads the same count. Periods are kept (a month's usage is
/// the record of it).
/// </summary>
internal sealed class NpgsqlBudgetStore : IBudgetStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlSchemaCreator _schema;


    /// <summary>A store drawing on the replica's pool (<see cref="Infrastructure.WorkerDataSource"/>), which it does not dispose.</summary>
    public NpgsqlBudgetStore(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        _schema = new NpgsqlSchemaCreator(_dataSource, """
            CREATE TABLE IF NOT EXISTS token_budgets (
                scope text NOT NULL,
                subject text NOT NULL,
                period_start timestamptz NOT NULL,
                tokens bigint NOT NULL,
                PRIMARY KEY (scope, subject, period_start)
            );
            """);
    }

    public async Task<long> UsedAsync(string scope, string subject, DateTimeOffset periodStart, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand("SELECT tokens FROM token_budgets WHERE scope = $1 AND subject = $2 AND period_start = $3");
        command.Parameters.AddWithValue(scope);
        command.Parameters.AddWithValue(subject);
        command.Parameters.AddWithValue(periodStart.UtcDateTime);
        return await command.ExecuteScalarAsync(cancellationToken) is long used ? used : 0;
    }

    public async Task AddAsync(string scope, string subject, DateTimeOffset periodStart, long tokens, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand("""
            INSERT INTO token_budgets AS b (scope, subject, period_start, tokens) VALUES ($1, $2, $3, $4)
            ON CONFLICT (scope, subject, period_start) DO UPDATE SET tokens = b.tokens + $4
            """);
        command.Parameters.AddWithValue(scope);
        command.Parameters.AddWithValue(subject);
        command.Parameters.AddWithValue(periodStart.UtcDateTime);
        command.Parameters.AddWithValue(tokens);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        _schema.Dispose();
        return ValueTask.CompletedTask;
    }
}
