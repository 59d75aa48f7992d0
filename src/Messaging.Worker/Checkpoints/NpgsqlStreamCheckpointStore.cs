using System.Text.Json.Nodes;
using Messaging.Interactions.Json;
using Messaging.Sagas;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Messaging.Worker.Checkpoints;

/// <summary>
/// Checkpoints in PostgreSQL (the saga store's database, table <see cref="CheckpointOptions.TableName"/>, created on first
/// use): what lets a replica resume another one's stream. Leases are counted on the database's clock (<c>now()</c>), so
/// replicas' clocks never disagree about who owns a request. A new request costs one insert; progress of every stream
/// of a replica is one statement per interval; the end is one update before the acknowledgement and one after.
/// </summary>
internal sealed class NpgsqlStreamCheckpointStore : IStreamCheckpointStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _table;
    private readonly NpgsqlSchemaCreator _schema;

    public NpgsqlStreamCheckpointStore(string connectionString, IOptions<CheckpointOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _dataSource = NpgsqlDataSource.Create(connectionString);
        _table = $"\"{options.Value.TableName}\""; // validated: [a-z_][a-z0-9_]*
        _schema = new NpgsqlSchemaCreator(_dataSource, $"""
            CREATE TABLE IF NOT EXISTS {_table} (
                request_id uuid PRIMARY KEY,
                body_hash text NOT NULL,
                owner uuid NOT NULL,
                claim_id uuid NULL,
                lease_until timestamptz NOT NULL,
                phase text NOT NULL,
                attempt integer NOT NULL DEFAULT 1,
                interaction_id text NULL,
                state json NULL,
                finals json NULL,
                takeovers integer NOT NULL DEFAULT 0,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now()
            );
            ALTER TABLE {_table} ADD COLUMN IF NOT EXISTS claim_id uuid NULL;
            CREATE INDEX IF NOT EXISTS "{options.Value.TableName}_updated_at_idx" ON {_table} (updated_at);
            """);
    }

    public async Task<CheckpointClaim> ClaimAsync(Guid requestId, string bodyHash, Guid owner, Guid claimId, TimeSpan lease, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        // The same claim asked again (its first answer lost) takes the row back whatever its lease; takeovers still 0
        // then means this claim inserted it.
        await using (var claim = new NpgsqlCommand($"""
            INSERT INTO {_table} AS t (request_id, body_hash, owner, claim_id, lease_until, phase)
            VALUES ($1, $2, $3, $5, now() + $4, 'running')
            ON CONFLICT (request_id) DO UPDATE SET owner = EXCLUDED.owner, claim_id = EXCLUDED.claim_id, lease_until = EXCLUDED.lease_until,
                takeovers = CASE WHEN t.claim_id = EXCLUDED.claim_id THEN t.takeovers ELSE t.takeovers + 1 END, updated_at = now()
              WHERE t.phase = 'running' AND t.body_hash = EXCLUDED.body_hash
                AND (t.claim_id = EXCLUDED.claim_id OR t.lease_until < now())
            RETURNING (xmax = 0 OR takeovers = 0), attempt, interaction_id, state::text
            """, connection))
        {
            claim.Parameters.Add(new NpgsqlParameter { Value = requestId, NpgsqlDbType = NpgsqlDbType.Uuid });
            claim.Parameters.Add(new NpgsqlParameter { Value = bodyHash, NpgsqlDbType = NpgsqlDbType.Text });
            claim.Parameters.Add(new NpgsqlParameter { Value = owner, NpgsqlDbType = NpgsqlDbType.Uuid });
            claim.Parameters.Add(new NpgsqlParameter { Value = lease, NpgsqlDbType = NpgsqlDbType.Interval });
            claim.Parameters.Add(new NpgsqlParameter { Value = claimId, NpgsqlDbType = NpgsqlDbType.Uuid });
            await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                if (reader.GetBoolean(0)) return new CheckpointClaim(ClaimResult.Claimed);
                return new CheckpointClaim(ClaimResult.Claimed, new StreamCheckpoint(requestId, reader.GetInt32(1),
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : InteractionsJson.ParseObject(reader.GetString(3))));
            }
        }

        await using var read = new NpgsqlCommand($"""
            SELECT body_hash, phase, finals::text, lease_until - now() FROM {_table} WHERE request_id = $1
            """, connection);
        read.Parameters.Add(new NpgsqlParameter { Value = requestId, NpgsqlDbType = NpgsqlDbType.Uuid });
        await using var row = await read.ExecuteReaderAsync(cancellationToken);
        if (!await row.ReadAsync(cancellationToken)) return new CheckpointClaim(ClaimResult.Held); // removed in between: ask again
        if (row.GetString(0) != bodyHash) return new CheckpointClaim(ClaimResult.DifferentBody);
        return row.GetString(1) switch
        {
            "ended" => new CheckpointClaim(ClaimResult.Ended),
            "ending" => new CheckpointClaim(ClaimResult.Ending, Finals: JsonNode.Parse(row.GetString(2))!.AsArray()),
            _ => new CheckpointClaim(ClaimResult.Held, LeaseLeft: row.GetTimeSpan(3)),
        };
    }

    public async Task<IReadOnlyCollection<Guid>> SaveAsync(IReadOnlyCollection<StreamCheckpoint> checkpoints, IReadOnlyCollection<Guid> renew,
        Guid owner, TimeSpan lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        ArgumentNullException.ThrowIfNull(renew);
        await EnsureSchemaAsync(cancellationToken);
        var ids = checkpoints.Select(c => c.RequestId).Concat(renew).ToArray();
        var kept = new HashSet<Guid>();
        await using var batch = _dataSource.CreateBatch();
        var save = new NpgsqlBatchCommand($"""
            UPDATE {_table} AS t SET attempt = c.attempt, interaction_id = c.interaction_id, state = c.state::json,
                lease_until = now() + $2, updated_at = now()
            FROM unnest($3::uuid[], $4::int[], $5::text[], $6::text[]) AS c(request_id, attempt, interaction_id, state)
            WHERE t.request_id = c.request_id AND t.owner = $1 AND t.phase = 'running'
            RETURNING t.request_id
            """);
        save.Parameters.Add(new NpgsqlParameter { Value = owner, NpgsqlDbType = NpgsqlDbType.Uuid });
        save.Parameters.Add(new NpgsqlParameter { Value = lease, NpgsqlDbType = NpgsqlDbType.Interval });
        save.Parameters.Add(new NpgsqlParameter { Value = checkpoints.Select(c => c.RequestId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        save.Parameters.Add(new NpgsqlParameter { Value = checkpoints.Select(c => c.Attempt).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        save.Parameters.Add(new NpgsqlParameter
        {
            Value = checkpoints.Select(c => (object?)c.InteractionId ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text,
        });
        save.Parameters.Add(new NpgsqlParameter
        {
            Value = checkpoints.Select(c => c.State is null ? (object)DBNull.Value : InteractionsJson.Serialize(c.State)).ToArray(),
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text,
        });
        batch.BatchCommands.Add(save);
        var extend = new NpgsqlBatchCommand($"""
            UPDATE {_table} SET lease_until = now() + $2 WHERE request_id = ANY($3) AND owner = $1 AND phase = 'running' RETURNING request_id
            """);
        extend.Parameters.Add(new NpgsqlParameter { Value = owner, NpgsqlDbType = NpgsqlDbType.Uuid });
        extend.Parameters.Add(new NpgsqlParameter { Value = lease, NpgsqlDbType = NpgsqlDbType.Interval });
        extend.Parameters.Add(new NpgsqlParameter { Value = renew.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        batch.BatchCommands.Add(extend);
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            do
            {
                while (await reader.ReadAsync(cancellationToken)) kept.Add(reader.GetGuid(0));
            } while (await reader.NextResultAsync(cancellationToken));
        }
        return ids.Where(id => !kept.Contains(id)).Distinct().ToList();
    }

    public async Task<bool> EndingAsync(Guid requestId, Guid owner, JsonArray finals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(finals);
        await EnsureSchemaAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand($"""
            UPDATE {_table} SET phase = 'ending', finals = $3::json, state = NULL, updated_at = now()
            WHERE request_id = $1 AND owner = $2 AND phase = 'running'
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = requestId, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = owner, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = InteractionsJson.Serialize(finals), NpgsqlDbType = NpgsqlDbType.Text });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task EndedAsync(IReadOnlyCollection<Guid> requestIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requestIds);
        await EnsureSchemaAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand($"""
            UPDATE {_table} SET phase = 'ended', finals = NULL, state = NULL, updated_at = now() WHERE request_id = ANY($1)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = requestIds.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task ReleaseAsync(Guid requestId, Guid owner, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand($"""
            UPDATE {_table} SET lease_until = now() WHERE request_id = $1 AND owner = $2 AND phase = 'running'
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = requestId, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = owner, NpgsqlDbType = NpgsqlDbType.Uuid });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<int> RemoveOlderThanAsync(TimeSpan retention, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand($"""
            DELETE FROM {_table} WHERE updated_at < now() - $1 AND (phase <> 'running' OR lease_until < now())
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = retention, NpgsqlDbType = NpgsqlDbType.Interval });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private Task EnsureSchemaAsync(CancellationToken cancellationToken) => _schema.EnsureAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        _schema.Dispose();
    }
}
