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
/// replicas' clocks never disagree about who owns a request. Claims, ends and the writes that name interactions are
/// group-committed by <see cref="StreamCheckpoints"/>: a statement carries every request that came while the last one ran;
/// progress of every stream of a replica is one statement per interval.
/// </summary>
internal sealed class NpgsqlStreamCheckpointStore : IStreamCheckpointStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _table;
    private readonly NpgsqlSchemaCreator _schema;


    /// <summary>A store drawing on the replica's pool (<see cref="Infrastructure.WorkerDataSource"/>), which it does not dispose.</summary>
    public NpgsqlStreamCheckpointStore(NpgsqlDataSource dataSource, IOptions<CheckpointOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _dataSource = dataSource;
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

    public async Task<IReadOnlyList<CheckpointClaim>> ClaimAsync(IReadOnlyList<CheckpointClaimRequest> claims, Guid owner, TimeSpan lease,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claims);
        await EnsureSchemaAsync(cancellationToken);
        var answers = new CheckpointClaim[claims.Count];
        // ON CONFLICT touches a row once per statement: a second claim of the same request goes in the next round.
        var todo = Enumerable.Range(0, claims.Count).ToList();
        while (todo.Count > 0)
        {
            var seen = new HashSet<Guid>();
            var round = new List<int>();
            var later = new List<int>();
            foreach (var i in todo) (seen.Add(claims[i].RequestId) ? round : later).Add(i);
            var results = await ClaimDistinctAsync(round.Select(i => claims[i]).ToList(), owner, lease, cancellationToken);
            for (var k = 0; k < round.Count; k++) answers[round[k]] = results[claims[round[k]].RequestId];
            todo = later;
        }
        return answers;
    }

    private async Task<Dictionary<Guid, CheckpointClaim>> ClaimDistinctAsync(IReadOnlyList<CheckpointClaimRequest> claims, Guid owner, TimeSpan lease,
        CancellationToken cancellationToken)
    {
        // In the requests' order, so two replicas claiming overlapping batches lock rows in the same order (no deadlock).
        var sorted = claims.OrderBy(c => c.RequestId).ToList();
        var ids = sorted.Select(c => c.RequestId).ToArray();
        await using var batch = _dataSource.CreateBatch();
        // The same claim asked again (its first answer lost) takes the row back whatever its lease; takeovers still 0
        // then means this claim inserted it.
        var claim = new NpgsqlBatchCommand($"""
            INSERT INTO {_table} AS t (request_id, body_hash, owner, claim_id, lease_until, phase)
            SELECT c.request_id, c.body_hash, $4, c.claim_id, now() + $5, 'running'
            FROM unnest($1::uuid[], $2::text[], $3::uuid[]) WITH ORDINALITY AS c(request_id, body_hash, claim_id, n) ORDER BY c.n
            ON CONFLICT (request_id) DO UPDATE SET owner = EXCLUDED.owner, claim_id = EXCLUDED.claim_id, lease_until = EXCLUDED.lease_until,
                takeovers = CASE WHEN t.claim_id = EXCLUDED.claim_id THEN t.takeovers ELSE t.takeovers + 1 END, updated_at = now()
              WHERE t.phase = 'running' AND t.body_hash = EXCLUDED.body_hash
                AND (t.claim_id = EXCLUDED.claim_id OR t.lease_until < now())
            RETURNING request_id, (xmax = 0 OR takeovers = 0), attempt, interaction_id, state::text
            """);
        claim.Parameters.Add(new NpgsqlParameter { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        claim.Parameters.Add(new NpgsqlParameter { Value = sorted.Select(c => c.BodyHash).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        claim.Parameters.Add(new NpgsqlParameter { Value = sorted.Select(c => c.ClaimId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        claim.Parameters.Add(new NpgsqlParameter { Value = owner, NpgsqlDbType = NpgsqlDbType.Uuid });
        claim.Parameters.Add(new NpgsqlParameter { Value = lease, NpgsqlDbType = NpgsqlDbType.Interval });
        batch.BatchCommands.Add(claim);
        // Then how the others stand (the same transaction: it sees the claims just made, which are skipped).
        var read = new NpgsqlBatchCommand($"""
            SELECT request_id, body_hash, phase, finals::text, lease_until - now() FROM {_table} WHERE request_id = ANY($1)
            """);
        read.Parameters.Add(new NpgsqlParameter { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        batch.BatchCommands.Add(read);

        var answers = new Dictionary<Guid, CheckpointClaim>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var requestId = reader.GetGuid(0);
            answers[requestId] = reader.GetBoolean(1)
                ? new CheckpointClaim(ClaimResult.Claimed)
                : new CheckpointClaim(ClaimResult.Claimed, new StreamCheckpoint(requestId, reader.GetInt32(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.IsDBNull(4) ? null : InteractionsJson.ParseObject(reader.GetString(4))));
        }
        await reader.NextResultAsync(cancellationToken);
        var hashes = sorted.ToDictionary(c => c.RequestId, c => c.BodyHash);
        while (await reader.ReadAsync(cancellationToken))
        {
            var requestId = reader.GetGuid(0);
            if (answers.ContainsKey(requestId)) continue;
            answers[requestId] = reader.GetString(1) != hashes[requestId]
                ? new CheckpointClaim(ClaimResult.DifferentBody)
                : reader.GetString(2) switch
                {
                    "ended" => new CheckpointClaim(ClaimResult.Ended),
                    "ending" => new CheckpointClaim(ClaimResult.Ending, Finals: JsonNode.Parse(reader.GetString(3))!.AsArray()),
                    _ => new CheckpointClaim(ClaimResult.Held, LeaseLeft: reader.GetTimeSpan(4)),
                };
        }
        foreach (var id in ids) answers.TryAdd(id, new CheckpointClaim(ClaimResult.Held)); // removed in between: ask again
        return answers;
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

    public async Task<IReadOnlyCollection<Guid>> EndingAsync(IReadOnlyList<RequestFinals> endings, Guid owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endings);
        await EnsureSchemaAsync(cancellationToken);
        var sorted = endings.OrderBy(e => e.RequestId).ToList();
        await using var command = _dataSource.CreateCommand($"""
            UPDATE {_table} AS t SET phase = 'ending', finals = e.finals::json, state = NULL, updated_at = now()
            FROM unnest($2::uuid[], $3::text[]) AS e(request_id, finals)
            WHERE t.request_id = e.request_id AND t.owner = $1 AND t.phase = 'running'
            RETURNING t.request_id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = owner, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = sorted.Select(e => e.RequestId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = sorted.Select(e => InteractionsJson.Serialize(e.Finals)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text,
        });
        var recorded = new HashSet<Guid>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) recorded.Add(reader.GetGuid(0));
        }
        return sorted.Select(e => e.RequestId).Where(id => !recorded.Contains(id)).Distinct().ToList();
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

    public ValueTask DisposeAsync()
    {
        _schema.Dispose();
        return ValueTask.CompletedTask;
    }
}
