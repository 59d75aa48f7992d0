using Messaging.Contracts;
using Messaging.Sagas;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Messaging.Worker.Cancels;

/// <summary>
/// Cancels in PostgreSQL (the saga store's database, table <see cref="CancelOptions.TableName"/>, created on first use),
/// so a cancel outlives a broker outage, a replica's reconnect and the replica itself. Times are the database's
/// (<c>now()</c>), so replicas read one clock.
/// </summary>
internal sealed class NpgsqlCancelStore : ICancelStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _table;
    private readonly NpgsqlSchemaCreator _schema;


    /// <summary>A store drawing on the replica's pool (<see cref="Infrastructure.WorkerDataSource"/>), which it does not dispose.</summary>
    public NpgsqlCancelStore(NpgsqlDataSource dataSource, IOptions<CancelOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _dataSource = dataSource;
        _table = $"\"{options.Value.TableName}\""; // validated: [a-z_][a-z0-9_]*
        _schema = new NpgsqlSchemaCreator(_dataSource, $"""
            CREATE TABLE IF NOT EXISTS {_table} (
                cancel_id uuid PRIMARY KEY,
                request_id uuid NULL,
                turn_id uuid NULL,
                conversation_id uuid NULL,
                interaction_id text NULL,
                received_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX IF NOT EXISTS "{options.Value.TableName}_received_at_idx" ON {_table} (received_at);
            """);
    }

    public async Task RecordAsync(Guid cancelId, CancelInteraction cancel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cancel);
        await _schema.EnsureAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand($"""
            INSERT INTO {_table} (cancel_id, request_id, turn_id, conversation_id, interaction_id) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (cancel_id) DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cancelId, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)cancel.RequestId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)cancel.TurnId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)cancel.ConversationId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)cancel.InteractionId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<RememberedCancel>> ReadSinceAsync(DateTimeOffset? since, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand($"""
            SELECT cancel_id, request_id, turn_id, conversation_id, interaction_id, received_at FROM {_table}
            WHERE $1::timestamptz IS NULL OR received_at >= $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)since ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        var cancels = new List<RememberedCancel>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            cancels.Add(new RememberedCancel(reader.GetGuid(0), new CancelInteraction
            {
                RequestId = reader.IsDBNull(1) ? null : reader.GetGuid(1),
                TurnId = reader.IsDBNull(2) ? null : reader.GetGuid(2),
                ConversationId = reader.IsDBNull(3) ? null : reader.GetGuid(3),
                InteractionId = reader.IsDBNull(4) ? null : reader.GetString(4),
            }, reader.GetFieldValue<DateTimeOffset>(5)));
        }
        return cancels;
    }

    public async Task<int> RemoveOlderThanAsync(TimeSpan retention, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand($"DELETE FROM {_table} WHERE received_at < now() - $1");
        command.Parameters.Add(new NpgsqlParameter { Value = retention, NpgsqlDbType = NpgsqlDbType.Interval });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        _schema.Dispose();
        return ValueTask.CompletedTask;
    }
}
