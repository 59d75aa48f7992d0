using Npgsql;

namespace Messaging.Sagas;

/// <summary>
/// Runs a table's DDL (<c>CREATE … IF NOT EXISTS</c>) once per process, before the first statement that needs it. Replicas
/// starting together are serialised by one transaction-scoped advisory lock shared by every table this code creates (two
/// tables may share a new schema), because concurrent <c>IF NOT EXISTS</c> statements can still collide on the catalog's
/// unique indexes. Used by the saga store, and public for the tables an application keeps beside it (the worker's
/// checkpoints, cancels, quotas and budgets): their creation is serialised with the saga's.
/// </summary>
/// <param name="dataSource">The database.</param>
/// <param name="ddl">The statements that create the tables (<c>IF NOT EXISTS</c>).</param>
public sealed class NpgsqlSchemaCreator(NpgsqlDataSource dataSource, string ddl) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _ready;

    /// <summary>Runs the DDL unless this instance has run it already.</summary>
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (_ready) return;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_ready) return;
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('Messaging.Sagas schema'))", connection, transaction))
                await command.ExecuteNonQueryAsync(cancellationToken);
            await using (var command = new NpgsqlCommand(ddl, connection, transaction))
                await command.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            _ready = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();
}
