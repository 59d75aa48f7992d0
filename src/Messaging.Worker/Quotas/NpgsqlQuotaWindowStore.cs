using Messaging.Sagas;
using Npgsql;

namespace Messaging.Worker.Quotas;

/// <summary>
/// The windows in PostgreSQL (table <c>quota_windows</c>, in the worker's database): one row per quota and window,
/// whose counts (creates, reserved tokens) one statement raises only while they stay within the limit, so replicas never
/// admit more than the limit together. Windows older than a day are removed now and then.
/// </summary>
internal sealed class NpgsqlQuotaWindowStore : IQuotaWindowStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlSchemaCreator _schema;

    public NpgsqlQuotaWindowStore(string connectionString)
    {
        _dataSource = NpgsqlDataSource.Create(connectionString);
        _schema = new NpgsqlSchemaCreator(_dataSource, """
            CREATE TABLE IF NOT EXISTS quota_windows (
                quota_key text NOT NULL,
                window_start timestamptz NOT NULL,
                requests integer NOT NULL,
                PRIMARY KEY (quota_key, window_start)
            );
            ALTER TABLE quota_windows ADD COLUMN IF NOT EXISTS tokens bigint NOT NULL DEFAULT 0;
            """);
    }

    private int _takes;

    public async Task<bool> TryTakeAsync(string quotaKey, DateTimeOffset windowStart, int limit, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand("""
            INSERT INTO quota_windows AS w (quota_key, window_start, requests) VALUES ($1, $2, 1)
            ON CONFLICT (quota_key, window_start) DO UPDATE SET requests = w.requests + 1 WHERE w.requests < $3
            RETURNING requests
            """);
        command.Parameters.AddWithValue(quotaKey);
        command.Parameters.AddWithValue(windowStart.UtcDateTime);
        command.Parameters.AddWithValue(limit);
        var taken = await command.ExecuteScalarAsync(cancellationToken) is not null;
        if (Interlocked.Increment(ref _takes) % 1000 == 0)
        {
            await using var cleanUp = _dataSource.CreateCommand("DELETE FROM quota_windows WHERE window_start < now() - interval '1 day'");
            await cleanUp.ExecuteNonQueryAsync(cancellationToken);
        }
        return taken;
    }

    public async Task<bool> TryReserveTokensAsync(string quotaKey, DateTimeOffset windowStart, long tokens, long limit, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand("""
            INSERT INTO quota_windows AS w (quota_key, window_start, requests, tokens) VALUES ($1, $2, 0, $3)
            ON CONFLICT (quota_key, window_start) DO UPDATE SET tokens = w.tokens + $3 WHERE w.tokens = 0 OR w.tokens + $3 <= $4
            RETURNING tokens
            """);
        command.Parameters.AddWithValue(quotaKey);
        command.Parameters.AddWithValue(windowStart.UtcDateTime);
        command.Parameters.AddWithValue(tokens);
        command.Parameters.AddWithValue(limit);
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    public async Task SettleTokensAsync(string quotaKey, DateTimeOffset windowStart, long delta, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand(
            "UPDATE quota_windows SET tokens = GREATEST(0, tokens + $3) WHERE quota_key = $1 AND window_start = $2");
        command.Parameters.AddWithValue(quotaKey);
        command.Parameters.AddWithValue(windowStart.UtcDateTime);
        command.Parameters.AddWithValue(delta);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _schema.Dispose();
        await _dataSource.DisposeAsync();
    }
}
