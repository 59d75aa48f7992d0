using Testcontainers.RabbitMq;

namespace Messaging.Worker.Tests.Support;

/// <summary>
/// The broker the tests run against, in order of preference: <c>RABBITMQ_URL</c> (what infra/test.sh
/// exports), a Testcontainers RabbitMQ when a Docker engine answers, else a failure that says how to start one.
/// </summary>
internal sealed class RabbitMqBroker : IAsyncDisposable
{
    private readonly RabbitMqContainer? _container;

    private RabbitMqBroker(Uri url, RabbitMqContainer? container)
    {
        Url = url;
        _container = container;
    }

    public Uri Url { get; }

    public static async Task<RabbitMqBroker> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("RABBITMQ_URL") is { Length: > 0 } url) return new RabbitMqBroker(new Uri(url), null);
        if (DockerEngine.Answers())
        {
            var container = new RabbitMqBuilder("rabbitmq:3.13-management").Build();
            await container.StartAsync();
            return new RabbitMqBroker(new Uri(container.GetConnectionString()), container);
        }
        throw new InvalidOperationException(
            "No RabbitMQ for the worker tests: set RABBITMQ_URL (run `export RABBITMQ_URL=$(infra/start-rabbitmq.sh)`, as infra/test.sh does) " +
            "or provide a Docker engine for Testcontainers.");
    }

    public async ValueTask DisposeAsync()
    {
        if (_container is not null) await _container.DisposeAsync();
    }
}
