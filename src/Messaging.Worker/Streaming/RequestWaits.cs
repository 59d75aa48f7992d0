using System.Text.Json;
using MassTransit;
using Messaging.Client;
using Messaging.Contracts;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Messaging.Worker.Streaming;

/// <summary>
/// Puts a request off until a time: the one "wait and retry later" of the worker (RabbitMQ 3.10 has no delayed delivery
/// without a plugin, and holding the message would run into <c>consumer_timeout</c> and the delivery limit). On RabbitMQ the
/// request goes, as plain JSON with the time in a <see cref="NotBeforeHeader"/> header, to the longest wait queue not longer
/// than what is left: a classic durable queue with one <c>x-message-ttl</c> (classic queues expire messages at their head,
/// so one TTL per queue keeps them in order) that dead-letters to the work queue's own exchange, and has no consumer.
/// Back early, it goes round again; the work queue's consumer starts it only once the time has come. The body stays on
/// the broker throughout (a PostgreSQL table of due times would copy it into the database and add a sweep interval to
/// every wait). On the in-memory transport the wait is a timer in this process. Declared and published with
/// RabbitMQ.Client: MassTransit's send endpoints cannot declare a queue with these arguments.
/// </summary>
internal sealed class RequestWaits(IOptions<BusOptions> bus, WorkQueue workQueue, TimeProvider clock)
    : IAsyncDisposable
{
    /// <summary>The header that holds the earliest start of a request (Unix milliseconds); a publisher may set it too.</summary>
    public const string NotBeforeHeader = "messaging-not-before";

    /// <summary>The wait queues' lengths, longest first.</summary>
    internal static readonly TimeSpan[] Steps =
        [TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1)];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly HashSet<string> _declared = [];
    private IConnection? _connection;
    private IChannel? _channel;

    /// <summary>When a delivery of the request may start, from its header; null when it may start now.</summary>
    public DateTimeOffset? NotBefore(ConsumeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // Absent, or not a time: it may start now.
        var due = UnixTimeHeader.Read(context.Headers, NotBeforeHeader);
        return due > clock.GetUtcNow() ? due : null;
    }

    /// <summary>The wait queue a request due in <paramref name="left"/> goes through next: the longest step not longer than that.</summary>
    internal static TimeSpan StepFor(TimeSpan left) => Steps.FirstOrDefault(s => s <= left, Steps[^1]);

    /// <summary>Sends the request to wait until <paramref name="notBefore"/>, with <paramref name="headers"/> for when it comes back.</summary>
    public async Task WaitAsync(InteractionRequested request, DateTimeOffset notBefore, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, object?>? headers = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (bus.Value.RabbitMqUrl is null)
        {
            // One process: a timer, then back to the work queue with the time still on it.
            var left = notBefore - clock.GetUtcNow();
            if (left > TimeSpan.Zero) await Task.Delay(left, clock, cancellationToken);
            await workQueue.SendAsync(request, notBefore, cancellationToken, headers);
            return;
        }

        var step = StepFor(notBefore - clock.GetUtcNow());
        var name = $"{workQueue.Name}-wait-{Label(step)}";
        var channel = await ChannelAsync(name, step, workQueue.Name, cancellationToken);
        var properties = new BasicProperties
        {
            ContentType = "application/json",
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = Guid.NewGuid().ToString(),
            // Under the worker's own user, which RabbitMQ verifies: the tenant in the body is the one the worker resolved.
            UserId = bus.Value.StampUserId ? BrokerUser.Of(bus.Value.RabbitMqUrl!) : null,
            Headers = new Dictionary<string, object?>(headers ?? new Dictionary<string, object?>()) { [NotBeforeHeader] = notBefore.ToUnixTimeMilliseconds() },
        };
        await channel.BasicPublishAsync("", name, true, properties, JsonSerializer.SerializeToUtf8Bytes(request, Json), cancellationToken);
    }

    private static string Label(TimeSpan step) => step.TotalMinutes >= 1 ? $"{step.TotalMinutes:0}m" : $"{step.TotalSeconds:0}s";

    private async Task<IChannel> ChannelAsync(string queue, TimeSpan ttl, string workExchange, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_channel is not { IsOpen: true })
            {
                _connection ??= await new ConnectionFactory { Uri = bus.Value.RabbitMqUrl!, AutomaticRecoveryEnabled = true, ClientProvidedName = "messaging-worker-waits" }
                    .CreateConnectionAsync(cancellationToken);
                _channel = await _connection.CreateChannelAsync(new CreateChannelOptions(true, true), cancellationToken);
                _declared.Clear();
            }
            if (_declared.Add(queue))
            {
                await _channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?>
                {
                    ["x-message-ttl"] = (int)ttl.TotalMilliseconds,
                    ["x-dead-letter-exchange"] = workExchange,
                }, cancellationToken: cancellationToken);
            }
            return _channel;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null) await _channel.DisposeAsync();
        if (_connection is not null) await _connection.DisposeAsync();
        _gate.Dispose();
    }
}
