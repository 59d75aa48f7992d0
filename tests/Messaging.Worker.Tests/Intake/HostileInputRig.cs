using System.Collections.Concurrent;
using MassTransit;
using Messaging.Contracts;
using Messaging.Emulator;
using Messaging.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;

namespace Messaging.Worker.Tests.Intake;

/// <summary>
/// Two worker replicas with the conversation saga on (its queue gets a copy of every request), on the real broker and
/// PostgreSQL, one emulator, a raw AMQP publisher and a recorder of every answer and every fault.
/// </summary>
public sealed class HostileInputRig : IAsyncLifetime
{
    public const int MaxRequestBytes = 2 * 1024 * 1024;

    private TestService? _broker;
    private TestService? _database;
    private TestBus? _bus;
    private IConnection? _rabbit;
    private readonly List<WebApplication> _workers = [];

    public string Prefix { get; } = $"hi{Guid.NewGuid():N}"[..10] + "-";

    public EmulatorServer Emulator { get; private set; } = null!;

    public Answers Answers { get; } = new();

    public IBus Bus => _bus!.Bus;

    public CapturingLoggerProvider Logs { get; } = new();

    public async ValueTask InitializeAsync()
    {
        _broker = await TestService.RabbitMqAsync();
        _database = await TestService.PostgreSqlAsync();
        Emulator = await EmulatorServer.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Interactions:BaseUrl"] = Emulator.BaseAddress.ToString(),
            ["Interactions:ApiKey"] = "test-key",
            ["Interactions:MaxRetries"] = "1",
            ["Interactions:RetryBaseDelay"] = "00:00:00.020",
            ["Bus:RabbitMqUrl"] = _broker.Url.ToString(),
            ["Bus:NamePrefix"] = Prefix,
            ["Worker:MaxConcurrentStreams"] = "32",
            ["Worker:MaxRequestBytes"] = MaxRequestBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ConnectionStrings:Sagas"] = _database.Address,
            ["Conversations:TableName"] = Prefix.TrimEnd('-') + "_conversations",
            ["Conversations:StartGrace"] = "00:00:02",
        };
        for (var i = 0; i < 2; i++) _workers.Add(await WorkerHost.StartAsync(settings, Logs));
        _bus = await TestBus.StartAsync(_broker.Url, Prefix, ["interaction-requested", "interaction-requested-poison", "conversation-state", "conversation-cancel-router", "interaction-cancels"],
            s => s.AddSingleton(Answers), x => x.AddConsumer<AnswerRecorder>().Endpoint(e =>
            {
                e.Name = Prefix + "hostile-answers";
                e.Temporary = true;
                e.PrefetchCount = 500;
            }));
        _rabbit = await new ConnectionFactory { Uri = _broker.Url }.CreateConnectionAsync();
    }

    /// <summary>Publishes raw bytes to the request exchange, with the message id a fault will name.</summary>
    public async Task PublishAsync(IChannel channel, HostileMessage message)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(message);
        var properties = new BasicProperties { ContentType = message.ContentType, MessageId = message.MessageId.ToString(), Persistent = true };
        await channel.BasicPublishAsync(Prefix + "Messaging.Contracts:InteractionRequested", "", mandatory: false, properties, message.Body);
    }

    /// <summary>
    /// A channel with publisher confirms: each publish returns once the broker has the message. Without them, a burst of
    /// megabyte messages met the broker's flow control and what was still buffered when the channel closed was lost.
    /// </summary>
    public Task<IChannel> ChannelAsync() => _rabbit!.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));

    /// <summary>Messages in a queue of this rig (0 when it does not exist).</summary>
    public async Task<uint> DepthAsync(string queue)
    {
        await using var channel = await _rabbit!.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(Prefix + queue)).MessageCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return 0;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers) await worker.DisposeAsync();
        if (_bus is not null) await _bus.DisposeAsync();
        if (_rabbit is not null)
        {
            await using (var channel = await _rabbit.CreateChannelAsync())
                foreach (var queue in new[] { "interaction-requested_error", "interaction-requested_skipped", "conversation-state_error", "conversation-state_skipped" })
                    await channel.QueueDeleteAsync(Prefix + queue);
            await _rabbit.DisposeAsync();
        }
        if (Emulator is not null) await Emulator.DisposeAsync();
        if (_broker is not null) await _broker.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
    }
}

/// <summary>Every final event and rejection by requestId, and every fault by the message it names.</summary>
public sealed class Answers
{
    public ConcurrentDictionary<Guid, ConcurrentQueue<object>> ByRequest { get; } = new();

    public ConcurrentDictionary<Guid, int> FaultsByMessage { get; } = new();

    public void Add(Guid requestId, object answer) => ByRequest.GetOrAdd(requestId, _ => new()).Enqueue(answer);

    public IReadOnlyList<object> Of(Guid requestId) => ByRequest.TryGetValue(requestId, out var answers) ? [.. answers] : [];
}

public sealed class AnswerRecorder(Answers answers) :
    IConsumer<InteractionCompleted>, IConsumer<InteractionRequiresAction>, IConsumer<InteractionFailed>, IConsumer<InteractionCancelled>,
    IConsumer<InteractionRejected>, IConsumer<Fault>
{
    public Task Consume(ConsumeContext<InteractionCompleted> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<InteractionRequiresAction> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<InteractionFailed> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<InteractionCancelled> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<InteractionRejected> context) => Add(context.Message.RequestId, context.Message);

    public Task Consume(ConsumeContext<Fault> context)
    {
        answers.FaultsByMessage.AddOrUpdate(context.Message.FaultedMessageId ?? Guid.Empty, 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }

    private Task Add(Guid requestId, object message)
    {
        answers.Add(requestId, message);
        return Task.CompletedTask;
    }
}
