using System.Text;
using MassTransit;
using Messaging.Client;
using Messaging.Contracts;
using Messaging.Emulator;
using Messaging.Interactions;
using Messaging.Testing;
using Messaging.Worker.Infrastructure;
using Messaging.Worker.Streaming;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;

namespace Messaging.Worker.Tests.Support;

/// <summary>
/// One broker, one emulator, two worker replicas competing for one work queue, and a test bus that plays
/// a downstream service: it publishes requests and collects every event. Queue names carry a per-run
/// prefix, so runs never share queues; the durable ones are deleted at the end.
/// </summary>
public sealed class WorkerFixture : IAsyncLifetime
{
    public const string ApiKey = "test-key-Zq8Vw3xYp";
    public const int MaxRetries = 2;

    /// <summary>How long a request waits for the API's quota in all before it fails with reason quota.</summary>
    public const string QuotaMaxWait = "00:00:03";
    public const int MaxRequestBytes = 256 * 1024;
    public const string InteractionRequestedExchange = "Messaging.Contracts:InteractionRequested";

    private TestService? _broker;
    private TestBus? _testBus;
    private IConnection? _rabbit;
    private readonly SemaphoreSlim _errorQueueGate = new(1, 1);
    private readonly List<ErrorQueueMessage> _errorMessages = [];

    public EmulatorServer Emulator { get; private set; } = null!;

    public Uri BrokerUrl => _broker!.Url;

    public string Prefix { get; } = $"wt{Guid.NewGuid():N}"[..10] + "-";

    public string WorkQueue => new KebabCaseEndpointNameFormatter(Prefix, false).Consumer<InteractionRequestedConsumer>();

    public IReadOnlyList<WebApplication> Workers { get; private set; } = [];

    public CapturingLoggerProvider Logs { get; } = new();

    public EventLog Events { get; } = new();

    public IBus Bus => _testBus!.Bus;

    /// <summary>A client of the emulator, to read interactions back with GET.</summary>
    public IInteractionsClient Api => Workers[0].Services.GetRequiredService<IInteractionsClient>();

    public async ValueTask InitializeAsync()
    {
        _broker = await TestService.RabbitMqAsync();
        Emulator = await EmulatorServer.StartAsync();
        Workers = [await WorkerHost.StartAsync(WorkerSettings(), Logs), await WorkerHost.StartAsync(WorkerSettings(), Logs)];

        _testBus = await TestBus.StartAsync(BrokerUrl, Prefix, ["interaction-requested", "interaction-requested-poison", "interaction-cancels"], s => s.AddSingleton(Events),
            x => x.AddConsumer<EventCollector>().Endpoint(e =>
            {
                e.Name = Prefix + "test-events";
                e.Temporary = true;
                e.ConcurrentMessageLimit = 1; // one at a time: the order seen is the order in the queue
                e.PrefetchCount = 1000;
            }));

        _rabbit = await new ConnectionFactory { Uri = BrokerUrl }.CreateConnectionAsync();
    }

    public Dictionary<string, string?> WorkerSettings() => new()
    {
        ["Interactions:BaseUrl"] = Emulator.BaseAddress.ToString(),
        ["Interactions:ApiKey"] = ApiKey,
        ["Interactions:MaxRetries"] = MaxRetries.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Interactions:RetryBaseDelay"] = "00:00:00.020",
        ["Interactions:MaxRetryDelay"] = "00:00:00.200",
        ["Interactions:PollInterval"] = "00:00:00.050",
        ["Bus:RabbitMqUrl"] = BrokerUrl.ToString(),
        ["Bus:NamePrefix"] = Prefix,
        ["Worker:MaxConcurrentStreams"] = "16",
        ["Worker:MaxRequestBytes"] = MaxRequestBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Worker:BackgroundPollInterval"] = "00:00:00.100",
        ["Quota:MaxWait"] = QuotaMaxWait,
        // These replicas share no saga store; the conversation tests run theirs against PostgreSQL.
        ["Conversations:Enabled"] = "false",
    };

    /// <summary>Publishes raw bytes to the (prefixed) InteractionRequested exchange, as a publisher in another language would.</summary>
    public async Task PublishRawAsync(string body, string contentType)
    {
        await using var channel = await _rabbit!.CreateChannelAsync();
        var properties = new BasicProperties { ContentType = contentType, MessageId = Guid.NewGuid().ToString(), Persistent = true };
        await channel.BasicPublishAsync(Prefix + InteractionRequestedExchange, "", mandatory: false, properties, Encoding.UTF8.GetBytes(body));
    }

    /// <summary>Waits until the work queue's error queue holds a message whose body contains <paramref name="marker"/>.</summary>
    public async Task<ErrorQueueMessage> ErrorQueueMessageAsync(string marker)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            await _errorQueueGate.WaitAsync(timeout.Token);
            try
            {
                await using var channel = await _rabbit!.CreateChannelAsync();
                // MassTransit creates the error queue with the first message it moves there.
                var exists = true;
                try { await channel.QueueDeclarePassiveAsync(WorkQueue + "_error"); }
                catch (RabbitMQ.Client.Exceptions.OperationInterruptedException) { exists = false; }
                await using var reader = exists ? await _rabbit!.CreateChannelAsync() : null;
                while (reader is not null && await reader.BasicGetAsync(WorkQueue + "_error", autoAck: true) is { } got)
                {
                    var headers = got.BasicProperties.Headers?.ToDictionary(h => h.Key, h => h.Value is byte[] b ? Encoding.UTF8.GetString(b) : h.Value?.ToString())
                        ?? [];
                    _errorMessages.Add(new ErrorQueueMessage(Encoding.UTF8.GetString(got.Body.Span), got.BasicProperties.ContentType, headers));
                }
                if (_errorMessages.FirstOrDefault(m => m.Body.Contains(marker, StringComparison.Ordinal)) is { } found) return found;
            }
            finally
            {
                _errorQueueGate.Release();
            }
            await Task.Delay(50, timeout.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in Workers) await worker.DisposeAsync();
        if (_testBus is not null) await _testBus.DisposeAsync();
        if (_rabbit is not null) await _rabbit.DisposeAsync();
        if (Emulator is not null) await Emulator.DisposeAsync();
        if (_broker is not null) await _broker.DisposeAsync();
        _errorQueueGate.Dispose();
    }
}

/// <summary>A message read from the error queue: the original body and MassTransit's fault headers.</summary>
public sealed record ErrorQueueMessage(string Body, string? ContentType, IReadOnlyDictionary<string, string?> Headers);

[CollectionDefinition(Name)]
public sealed class WorkerTests : ICollectionFixture<WorkerFixture>
{
    public const string Name = "worker";
}
