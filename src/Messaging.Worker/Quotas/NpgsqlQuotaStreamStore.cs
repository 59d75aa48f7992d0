using Messaging.Sagas;
using Npgsql;

namespace Messaging.Worker.Quotas;

/// <summary>
/// The places in PostgreSQL (table <c>quota_streams</c>): a row per running request with a lease its replica renews.
/// Taking a place locks its quota (a transaction-scoped advisory lock), drops lapsed leases (a replica that died gives
/// its places back this way), counts the rest and inserts only under the limit, so replicas never hold more together.
/// </summary>
internal sealed class NpgsqlQuotaStreamStore : IQuotaStreamStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlSchemaCreator _schema;


    /// <summary>A store drawing on the replica's pool (<see cref="Infrastructure.WorkerDataSource"/>), which it does not dispose.</summary>
    public NpgsqlQuotaStreamStore(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        _schema = new NpgsqlSchemaCreator(_dataSource, """
            CREATE TABLE IF NOT EXISTS quota_streams (
                quota_key text NOT NULL,
                request_id uuid NOT NULL,
                holder uuid NOT NULL,
                lease_until timestamptz NOT NULL,
                PRIMARY KEY (quota_key, request_id)
            );
            CREATE INDEX IF NOT EXISTS quota_streams_holder_idx ON quota_streams (holder);
            """);
    }

    public async Task<bool> TryHoldAsync(string quotaKey, Guid requestId, Guid holder, int limit, TimeSpan lease, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // One statement per command: the extended protocol takes a single statement with positional parameters.
        foreach (var sql in new[]
                 {
                     "SELECT pg_advisory_xact_lock(hashtext('quota_streams:' || $1))",
                     "DELETE FROM quota_streams WHERE quota_key = $1 AND lease_until < now()",
                 })
        {
            await using var step = new NpgsqlCommand(sql, connection, transaction);
            step.Parameters.AddWithValue(quotaKey);
            await step.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var command = new NpgsqlCommand("""
            INSERT INTO quota_streams (quota_key, request_id, holder, lease_until)
            SELECT $1, $2, $3, now() + $5
            WHERE (SELECT count(*) FROM quota_streams WHERE quota_key = $1 AND request_id <> $2) < $4
            ON CONFLICT (quota_key, request_id) DO UPDATE SET holder = $3, lease_until = now() + $5
            RETURNING 1
            """, connection, transaction);
        command.Parameters.AddWithValue(quotaKey);
        command.Parameters.AddWithValue(requestId);
        command.Parameters.AddWithValue(holder);
        command.Parameters.AddWithValue((long)limit);
        command.Parameters.AddWithValue(lease);
        var held = await command.ExecuteScalarAsync(cancellationToken) is not null;
        await transaction.CommitAsync(cancellationToken);
        return held;
    }

    public async Task RenewAsync(Guid holder, TimeSpan lease, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand("UPDATE quota_streams SET lease_until = now() + $2 WHERE holder = $1");
        command.Parameters.AddWithValue(holder);
        command.Parameters.AddWithValue(lease);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task ReleaseAsync(string quotaKey, Guid requestId, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand("DELETE FROM quota_streams WHERE quota_key = $1 AND request_id = $2");
        command.Parameters.AddWithValue(quotaKey);
        command.Parameters.AddWithValue(requestId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        _schema.Dispose();
        return ValueTask.CompletedTask;
    }
}
