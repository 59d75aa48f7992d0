using Messaging.Sagas;
using Npgsql;

namespace Messaging.Worker.Quotas;

/// <summary>
/// The windows in PostgreSQL (in the worker's database). Creates: table <c>quota_tenant_windows</c>, one row per quota,
/// window and tenant (admitted, waiting), decided one admission at a time under a transaction's advisory lock on the window,
/// so replicas never admit more than the limit together and share it fairly. Tokens: table <c>quota_windows</c>, whose
/// count one statement raises only while it stays within the limit. Windows older than a day are removed now and then.
/// </summary>
internal sealed class NpgsqlQuotaWindowStore : IQuotaWindowStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlSchemaCreator _schema;


    /// <summary>A store drawing on the replica's pool (<see cref="Infrastructure.WorkerDataSource"/>), which it does not dispose.</summary>
    public NpgsqlQuotaWindowStore(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        _schema = new NpgsqlSchemaCreator(_dataSource, """
            CREATE TABLE IF NOT EXISTS quota_windows (
                quota_key text NOT NULL,
                window_start timestamptz NOT NULL,
                requests integer NOT NULL,
                PRIMARY KEY (quota_key, window_start)
            );
            ALTER TABLE quota_windows ADD COLUMN IF NOT EXISTS tokens bigint NOT NULL DEFAULT 0;
            CREATE TABLE IF NOT EXISTS quota_tenant_windows (
                quota_key text NOT NULL,
                window_start timestamptz NOT NULL,
                tenant text NOT NULL,
                admitted integer NOT NULL,
                waiting integer NOT NULL,
                PRIMARY KEY (quota_key, window_start, tenant)
            );
            """);
    }

    private int _takes;

    /// <summary>
    /// Admissions of this replica at once: they queue on one advisory lock anyway, and each holds a connection while it
    /// waits, so a burst of a replica's creates would otherwise take a connection each (20 replicas, 200 creates: more
    /// than PostgreSQL's 100 connections, and creates told the count cannot be reached).
    /// </summary>
    private readonly SemaphoreSlim _admitting = new(2, 2);

    public async Task<QuotaTake> TryTakeAsync(string quotaKey, int limit, string tenant, Func<QuotaWindow> currentWindow,
        CancellationToken cancellationToken)
    {
        await _admitting.WaitAsync(cancellationToken);
        try
        {
            return await TakeAsync(quotaKey, limit, tenant, currentWindow, cancellationToken);
        }
        finally
        {
            _admitting.Release();
        }
    }

    private async Task<QuotaTake> TakeAsync(string quotaKey, int limit, string tenant, Func<QuotaWindow> currentWindow,
        CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        // A full window stays full: refused without waiting for the lock, which a burst's refusals would otherwise queue on.
        var early = currentWindow();
        if (await AdmittedAsync(connection, null, quotaKey, early.Start, cancellationToken) >= limit)
        {
            await CountAsync(connection, null, quotaKey, early.End, tenant, admitted: false, cancellationToken);
            return new QuotaTake(false, early);
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The quota's shares are decided one admission at a time, all replicas together; the window is read once the lock
        // is held, so a create waiting for it is never counted in a window that has ended meanwhile.
        await using (var locking = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction))
        {
            locking.Parameters.AddWithValue(LockId(quotaKey));
            await locking.ExecuteNonQueryAsync(cancellationToken);
        }
        var window = currentWindow();
        var tenants = new Dictionary<string, FairShare.Demand>(StringComparer.Ordinal);
        await using (var reading = new NpgsqlCommand(
                         "SELECT tenant, admitted, waiting FROM quota_tenant_windows WHERE quota_key = $1 AND window_start = $2", connection, transaction))
        {
            reading.Parameters.AddWithValue(quotaKey);
            reading.Parameters.AddWithValue(window.Start.UtcDateTime);
            await using var rows = await reading.ExecuteReaderAsync(cancellationToken);
            while (await rows.ReadAsync(cancellationToken)) tenants[rows.GetString(0)] = new FairShare.Demand(rows.GetInt32(1), rows.GetInt32(2));
        }
        var admitted = FairShare.Admits(limit, tenants, tenant);
        await CountAsync(connection, transaction, quotaKey, admitted ? window.Start : window.End, tenant, admitted, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (Interlocked.Increment(ref _takes) % 1000 == 0)
        {
            await using var cleanUp = _dataSource.CreateCommand("DELETE FROM quota_windows WHERE window_start < now() - interval '1 day'");
            await cleanUp.ExecuteNonQueryAsync(cancellationToken);
            await using var cleanTenants = _dataSource.CreateCommand("DELETE FROM quota_tenant_windows WHERE window_start < now() - interval '1 day'");
            await cleanTenants.ExecuteNonQueryAsync(cancellationToken);
        }
        return new QuotaTake(admitted, window);
    }

    public async Task WaitAsync(string quotaKey, DateTimeOffset windowStart, string tenant, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await CountAsync(connection, null, quotaKey, windowStart, tenant, admitted: false, cancellationToken);
    }

    private static async Task<long> AdmittedAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string quotaKey, DateTimeOffset windowStart,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT COALESCE(SUM(admitted), 0) FROM quota_tenant_windows WHERE quota_key = $1 AND window_start = $2", connection, transaction);
        command.Parameters.AddWithValue(quotaKey);
        command.Parameters.AddWithValue(windowStart.UtcDateTime);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    // Admitted: one more place of the window taken. Refused: one more request that waits for the window.
    private static async Task CountAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string quotaKey, DateTimeOffset windowStart,
        string tenant, bool admitted, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(admitted
            ? """
              INSERT INTO quota_tenant_windows AS w (quota_key, window_start, tenant, admitted, waiting) VALUES ($1, $2, $3, 1, 0)
              ON CONFLICT (quota_key, window_start, tenant) DO UPDATE SET admitted = w.admitted + 1
              """
            : """
              INSERT INTO quota_tenant_windows AS w (quota_key, window_start, tenant, admitted, waiting) VALUES ($1, $2, $3, 0, 1)
              ON CONFLICT (quota_key, window_start, tenant) DO UPDATE SET waiting = w.waiting + 1
              """, connection, transaction);
        command.Parameters.AddWithValue(quotaKey);
        command.Parameters.AddWithValue(windowStart.UtcDateTime);
        command.Parameters.AddWithValue(tenant);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    // A stable 64-bit id (FNV-1a) of one quota, for its advisory lock.
    private static long LockId(string quotaKey)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in $"quota_window:{quotaKey}")
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        return unchecked((long)hash);
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

    public ValueTask DisposeAsync()
    {
        _admitting.Dispose();
        _schema.Dispose();
        return ValueTask.CompletedTask;
    }
}
