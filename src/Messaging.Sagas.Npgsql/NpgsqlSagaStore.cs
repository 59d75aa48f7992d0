using System.Text.Json;
using MassTransit;
using Npgsql;
using NpgsqlTypes;

namespace Messaging.Sagas;

/// <summary>
/// Every statement the Npgsql saga repository runs against one saga table, with optimistic concurrency: each row
/// carries a version, an update or delete names the version it read, and a write that finds another version (or an
/// insert that finds the row) throws <see cref="ConcurrencyException"/> so that the message is retried on fresh state.
/// No statement holds a lock or a transaction while the state machine runs.
/// </summary>
/// <remarks>
/// The state is stored as <c>json</c>, never <c>jsonb</c>: <c>json</c> keeps the serialised text byte for byte,
/// whereas <c>jsonb</c> reorders members and would alter API JSON the state carries.
/// </remarks>
internal sealed class NpgsqlSagaStore<TSaga> : IDueSagaFinder<TSaga>, IAsyncDisposable, IDisposable
    where TSaga : class, ISagaVersion
{
    private static readonly bool IsDueSaga = typeof(IDueSaga).IsAssignableFrom(typeof(TSaga));

    private readonly NpgsqlDataSource _dataSource;
    private readonly JsonSerializerOptions _json;
    private readonly NpgsqlSchemaCreator _schema;

    public NpgsqlSagaStore(string connectionString, NpgsqlSagaRepositoryOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentNullException.ThrowIfNull(options);
        Table = NpgsqlSagaTable.For(typeof(TSaga), options);
        _json = options.SerializerOptions ?? throw new ArgumentException("SerializerOptions must not be null.", nameof(options));
        _dataSource = NpgsqlDataSource.Create(connectionString);
        var schema = Table.Schema == "public" ? "" : $"CREATE SCHEMA IF NOT EXISTS {Table.QuotedSchema};\n";
        _schema = new NpgsqlSchemaCreator(_dataSource, $"""
            {schema}CREATE TABLE IF NOT EXISTS {Table.QualifiedName} (
                correlation_id uuid PRIMARY KEY,
                version integer NOT NULL,
                due_at timestamptz NULL,
                updated_at timestamptz NOT NULL,
                state json NOT NULL
            );
            CREATE INDEX IF NOT EXISTS {Table.DueAtIndex} ON {Table.QualifiedName} (due_at);
            """);
    }

    public NpgsqlSagaTable Table { get; }

    /// <summary>
    /// Creates the schema, the table and its index when missing, once per store. Replicas starting together are
    /// serialised by one transaction-scoped advisory lock for all saga tables (two tables may share a new schema),
    /// because concurrent <c>IF NOT EXISTS</c> statements can still collide on the catalog's unique indexes.
    /// </summary>
    public Task EnsureSchemaAsync(CancellationToken cancellationToken) => _schema.EnsureAsync(cancellationToken);

    /// <summary>The instance with its stored version, or null when there is none.</summary>
    public async Task<TSaga?> LoadAsync(Guid correlationId, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand($"SELECT version, state FROM {Table.QualifiedName} WHERE correlation_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = correlationId, NpgsqlDbType = NpgsqlDbType.Uuid });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>
    /// The instances <paramref name="filter"/> accepts. The state is opaque JSON to the database, so this reads the
    /// whole table: correlate events by <c>CorrelationId</c> wherever the table can grow.
    /// </summary>
    public async Task<IReadOnlyList<TSaga>> QueryAsync(Func<TSaga, bool> filter, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand($"SELECT version, state FROM {Table.QualifiedName}");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var instances = new List<TSaga>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var instance = Read(reader);
            if (filter(instance)) instances.Add(instance);
        }
        return instances;
    }

    /// <summary>Inserts a new instance at version 1; false (and nothing written) when its id already exists.</summary>
    public async Task<bool> TryInsertAsync(TSaga instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        await EnsureSchemaAsync(cancellationToken);
        var previous = instance.Version;
        // The serialised state carries the version it is written at; on any failure the instance keeps its own.
        instance.Version = 1;
        try
        {
            await using var command = _dataSource.CreateCommand(
                $"INSERT INTO {Table.QualifiedName} (correlation_id, version, due_at, updated_at, state) " +
                "VALUES ($1, $2, $3, now(), $4) ON CONFLICT (correlation_id) DO NOTHING");
            AddRow(command, instance, instance.Version);
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 1) return true;
        }
        catch
        {
            instance.Version = previous;
            throw;
        }
        instance.Version = previous;
        return false;
    }

    /// <summary>Inserts a new instance at version 1; <see cref="ConcurrencyException"/> when another replica created it first.</summary>
    public async Task InsertAsync(TSaga instance, CancellationToken cancellationToken)
    {
        if (!await TryInsertAsync(instance, cancellationToken))
            throw new ConcurrencyException($"{typeof(TSaga).Name} {instance.CorrelationId} was created by another consumer first.",
                typeof(TSaga), instance.CorrelationId);
    }

    /// <summary>
    /// Writes the instance if the row still has the version it was loaded with, and moves both to the next version;
    /// <see cref="ConcurrencyException"/> when another write came first (or the row is gone).
    /// </summary>
    public async Task UpdateAsync(TSaga instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        await EnsureSchemaAsync(cancellationToken);
        var expected = instance.Version;
        instance.Version = expected + 1;
        try
        {
            await using var command = _dataSource.CreateCommand(
                $"UPDATE {Table.QualifiedName} SET version = version + 1, due_at = $3, updated_at = now(), state = $4 " +
                "WHERE correlation_id = $1 AND version = $2");
            AddRow(command, instance, expected);
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 1) return;
        }
        catch
        {
            instance.Version = expected;
            throw;
        }
        instance.Version = expected;
        throw Stale(instance.CorrelationId, expected);
    }

    /// <summary>Deletes the row if it still has the instance's version; <see cref="ConcurrencyException"/> otherwise.</summary>
    public async Task DeleteAsync(TSaga instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        await EnsureSchemaAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand($"DELETE FROM {Table.QualifiedName} WHERE correlation_id = $1 AND version = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = instance.CorrelationId, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = instance.Version, NpgsqlDbType = NpgsqlDbType.Integer });
        if (await command.ExecuteNonQueryAsync(cancellationToken) != 1) throw Stale(instance.CorrelationId, instance.Version);
    }

    /// <summary>The ids of at most <paramref name="limit"/> rows whose <c>due_at</c> has passed, earliest first.</summary>
    public async Task<IReadOnlyList<Guid>> FindDueAsync(DateTime nowUtc, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await EnsureSchemaAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand(
            $"SELECT correlation_id FROM {Table.QualifiedName} WHERE due_at <= $1 ORDER BY due_at LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter { Value = DueTime.AsUtc(nowUtc), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = limit, NpgsqlDbType = NpgsqlDbType.Integer });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var ids = new List<Guid>();
        while (await reader.ReadAsync(cancellationToken)) ids.Add(reader.GetGuid(0));
        return ids;
    }

    private void AddRow(NpgsqlCommand command, TSaga instance, int version)
    {
        object dueAt = IsDueSaga && ((IDueSaga)instance).DueAt is { } due ? DueTime.AsUtc(due) : DBNull.Value;
        command.Parameters.Add(new NpgsqlParameter { Value = instance.CorrelationId, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = version, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = dueAt, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(instance, _json), NpgsqlDbType = NpgsqlDbType.Json });
    }

    private TSaga Read(NpgsqlDataReader reader)
    {
        var version = reader.GetInt32(0);
        var instance = JsonSerializer.Deserialize<TSaga>(reader.GetString(1), _json)
            ?? throw new InvalidOperationException($"A row of {Table.QualifiedName} holds a null state.");
        instance.Version = version;
        return instance;
    }

    private static ConcurrencyException Stale(Guid correlationId, int expected) =>
        new($"{typeof(TSaga).Name} {correlationId} changed after it was read at version {expected}.", typeof(TSaga), correlationId);

    public ValueTask DisposeAsync()
    {
        _schema.Dispose();
        return _dataSource.DisposeAsync();
    }

    public void Dispose()
    {
        _schema.Dispose();
        _dataSource.Dispose();
    }
}
