using Npgsql;

namespace Messaging.Worker.Tests.Support;

/// <summary>
/// The PostgreSQL pools of <c>count</c> replicas on one database, as each replica has its own
/// (<c>Infrastructure.WorkerDataSource</c>); the stores draw on them and the pools end with this.
/// </summary>
internal sealed class ReplicaPools(string connectionString, int count = 1) : IAsyncDisposable
{
    public IReadOnlyList<NpgsqlDataSource> All { get; } = Enumerable.Range(0, count).Select(_ => NpgsqlDataSource.Create(connectionString)).ToList();

    /// <summary>The first replica's pool (the only one of a single replica).</summary>
    public NpgsqlDataSource First => All[0];

    public async ValueTask DisposeAsync()
    {
        foreach (var pool in All) await pool.DisposeAsync();
    }
}
