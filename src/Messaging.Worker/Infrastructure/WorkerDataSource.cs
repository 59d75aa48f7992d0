using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Messaging.Worker.Infrastructure;

/// <summary>
/// The replica's one pool of PostgreSQL connections (<c>ConnectionStrings:Sagas</c>): checkpoints, remembered cancels,
/// quota windows and places, and token budgets draw on it, so a replica holds at most the connection string's
/// <c>Maximum Pool Size</c> (Npgsql's default 100) and the database must allow replicas × that. One pool per store
/// each opened its own: five times as many connections, which a burst of replicas ran out of.
/// </summary>
internal static class WorkerDataSource
{
    /// <summary>Registers the pool for <paramref name="connectionString"/> once; the container disposes it at shutdown.</summary>
    public static IServiceCollection AddWorkerDataSource(this IServiceCollection services, string connectionString)
    {
        services.TryAddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        return services;
    }
}
