using DotNet.Testcontainers.Containers;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;

namespace Messaging.Testing;

/// <summary>
/// A service the integration tests run against, in order of preference: the address in an environment variable (what
/// infra/test.sh exports), a Testcontainers container when a Docker engine answers, else a failure that says how to
/// start one. Tests that need one carry <c>[Trait("Needs", "RabbitMQ")]</c> or <c>"PostgreSQL"</c>.
/// </summary>
public sealed class TestService : IAsyncDisposable
{
    private readonly IContainer? _container;

    private TestService(string address, IContainer? container)
    {
        Address = address;
        _container = container;
    }

    /// <summary>The AMQP URL or the Npgsql connection string.</summary>
    public string Address { get; }

    /// <summary><see cref="Address"/> as a URI (RabbitMQ).</summary>
    public Uri Url => new(Address);

    /// <summary>RabbitMQ: <c>RABBITMQ_URL</c>, else a container.</summary>
    public static Task<TestService> RabbitMqAsync() => StartAsync("RABBITMQ_URL", "RabbitMQ", "infra/start-rabbitmq.sh", async () =>
    {
        var container = new RabbitMqBuilder("rabbitmq:3.13-management").Build();
        await container.StartAsync();
        return (container, container.GetConnectionString());
    });

    /// <summary>PostgreSQL: <c>POSTGRES_CONNECTION_STRING</c>, else a container.</summary>
    public static Task<TestService> PostgreSqlAsync() => StartAsync("POSTGRES_CONNECTION_STRING", "PostgreSQL", "infra/start-postgres.sh", async () =>
    {
        var container = new PostgreSqlBuilder("postgres:16-alpine").Build();
        await container.StartAsync();
        return (container, container.GetConnectionString());
    });

    private static async Task<TestService> StartAsync(string variable, string name, string script, Func<Task<(IContainer, string)>> container)
    {
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } address) return new TestService(address, null);
        if (DockerEngine.Answers())
        {
            var (started, startedAddress) = await container();
            return new TestService(startedAddress, started);
        }
        throw new InvalidOperationException(
            $"No {name} for the tests: set {variable} (run `export {variable}=$({script})`, as infra/test.sh does) " +
            "or provide a Docker engine for Testcontainers.");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_container is not null) await _container.DisposeAsync();
    }
}
