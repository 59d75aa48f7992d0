using Testcontainers.PostgreSql;

namespace Messaging.Worker.Tests.Support;

/// <summary>
/// The PostgreSQL the saga store tests run against, in order of preference: <c>POSTGRES_CONNECTION_STRING</c> (what
/// infra/test.sh exports), a Testcontainers PostgreSQL when a Docker engine answers, else a failure that says how to start one.
/// </summary>
internal sealed class PostgresDatabase : IAsyncDisposable
{
    private readonly PostgreSqlContainer? _container;

    private PostgresDatabase(string connectionString, PostgreSqlContainer? container)
    {
        ConnectionString = connectionString;
        _container = container;
    }

    public string ConnectionString { get; }

    public static async Task<PostgresDatabase> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("POSTGRES_CONNECTION_STRING") is { Length: > 0 } connectionString)
            return new PostgresDatabase(connectionString, null);
        if (DockerEngine.Answers())
        {
            var container = new PostgreSqlBuilder("postgres:16-alpine").Build();
            await container.StartAsync();
            return new PostgresDatabase(container.GetConnectionString(), container);
        }
        throw new InvalidOperationException(
            "No PostgreSQL for the saga store tests: set POSTGRES_CONNECTION_STRING (run `export POSTGRES_CONNECTION_STRING=$(infra/start-postgres.sh)`, " +
            "as infra/test.sh does) or provide a Docker engine for Testcontainers.");
    }

    public async ValueTask DisposeAsync()
    {
        if (_container is not null) await _container.DisposeAsync();
    }
}
