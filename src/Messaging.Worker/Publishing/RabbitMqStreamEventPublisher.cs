using System.Buffers;
using System.Collections.Concurrent;
using MassTransit;
using Messaging.Worker.Infrastructure;
using Messaging.Worker.Interactions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Messaging.Worker.Publishing;

/// <summary>
/// Publishes a stream's events straight to RabbitMQ with RabbitMQ.Client (MassTransit's own transport library), in
/// MassTransit's envelope and to the exchanges MassTransit's topology names, with publisher confirms awaited per
/// message. Why not MassTransit's <c>Publish</c>: on this path every API delta becomes a message, and MassTransit's
/// publish pipeline costs several times the raw client's CPU per message (measured: ~2,000 vs ~6,500 msg/s on 2
/// cores, see bench/README.md); the envelope written here is the same contract for every consumer. What it does not
/// do: MassTransit publish observers/filters and per-message trace spans do not see these events.
/// <para>
/// A few channels share the load; each is used concurrently (RabbitMQ.Client 7 tracks confirms per channel).
/// Order holds because the relay awaits each confirm before the next publish. A connection fault is retried with
/// backoff while the client recovers the connection; a nack or an unroutable message is not.
/// </para>
/// </summary>
internal sealed class RabbitMqStreamEventPublisher : IStreamEventPublisher, IAsyncDisposable
{
    private const int ChannelCount = 4;

    /// <summary>
    /// Confirms tracked by the client, and no limiter of outstanding confirms: the client's default one sleeps every
    /// publish for 0.5–1 s once a channel has more than 64 unconfirmed messages, which a few hundred streams reach.
    /// Outstanding confirms are bounded by the streams in flight instead (one awaited publish per stream).
    /// </summary>
    internal static readonly CreateChannelOptions ConfirmedChannel = new(
        publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null);

    private readonly ConnectionFactory _factory;
    private readonly IBus _bus;
    private readonly ILogger<RabbitMqStreamEventPublisher> _logger;
    private readonly SemaphoreSlim _opening = new(1, 1);
    private readonly IChannel?[] _channels = new IChannel?[ChannelCount];
    private readonly ConcurrentDictionary<Type, Task<string>> _exchanges = new();
    private readonly ResiliencePipeline _retry;
    private IConnection? _connection;
    private int _next;

    public RabbitMqStreamEventPublisher(IOptions<BusOptions> options, IBus bus, ILogger<RabbitMqStreamEventPublisher> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var url = options.Value.RabbitMqUrl ?? throw new InvalidOperationException("Bus:RabbitMqUrl is required for direct publishing");
        _factory = new ConnectionFactory
        {
            Uri = url,
            ClientProvidedName = $"messaging-worker-stream-events@{Environment.MachineName}",
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = false,
        };
        _bus = bus;
        _logger = logger;
        _retry = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<AlreadyClosedException>().Handle<BrokerUnreachableException>()
                .Handle<OperationInterruptedException>().Handle<ConnectFailureException>(),
            MaxRetryAttempts = 8,
            Delay = TimeSpan.FromMilliseconds(200),
            BackoffType = DelayBackoffType.Exponential,
            MaxDelay = TimeSpan.FromSeconds(5),
            UseJitter = true,
            OnRetry = args =>
            {
                _logger.LogWarning(args.Outcome.Exception, "Publishing a stream event failed (attempt {Attempt}); retrying in {Delay}",
                    args.AttemptNumber + 1, args.RetryDelay);
                return default;
            },
        }).Build();
    }

    public async Task PublishAsync<T>(T message, bool persistent, CancellationToken cancellationToken) where T : class
    {
        ArgumentNullException.ThrowIfNull(message);
        var exchange = await _exchanges.GetOrAdd(typeof(T), _ => DeclareAsync<T>()).ConfigureAwait(false);
        var messageId = NewId.NextGuid();
        var (body, length) = MassTransitEnvelope.Rent(messageId, message, DateTime.UtcNow);
        try
        {
            var properties = new BasicProperties
            {
                ContentType = MassTransitEnvelope.ContentType,
                DeliveryMode = persistent ? DeliveryModes.Persistent : DeliveryModes.Transient,
                MessageId = messageId.ToString(),
            };
            await _retry.ExecuteAsync(async token =>
            {
                var channel = await ChannelAsync(token).ConfigureAwait(false);
                await channel.BasicPublishAsync(exchange, "", false, properties, body.AsMemory(0, length), token).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    /// <summary>The message type's exchange, declared as MassTransit declares it (durable fanout), so a publish never finds it missing.</summary>
    private async Task<string> DeclareAsync<T>() where T : class
    {
        var name = _bus.Topology.Message<T>().EntityName;
        try
        {
            await _retry.ExecuteAsync(async token =>
            {
                var channel = await ChannelAsync(token).ConfigureAwait(false);
                await channel.ExchangeDeclareAsync(name, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: token).ConfigureAwait(false);
            }).ConfigureAwait(false);
            return name;
        }
        catch
        {
            _exchanges.TryRemove(typeof(T), out _); // the next publish tries again
            throw;
        }
    }

    private async ValueTask<IChannel> ChannelAsync(CancellationToken cancellationToken)
    {
        var slot = (int)((uint)Interlocked.Increment(ref _next) % ChannelCount);
        if (Volatile.Read(ref _channels[slot]) is { IsOpen: true } open) return open;
        await _opening.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_channels[slot] is { IsOpen: true } opened) return opened;
            if (_channels[slot] is { } closed) await closed.DisposeAsync().ConfigureAwait(false);
            _connection ??= await _factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
            var channel = await _connection.CreateChannelAsync(ConfirmedChannel, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _channels[slot], channel);
            return channel;
        }
        finally
        {
            _opening.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            if (channel is not null) await channel.DisposeAsync().ConfigureAwait(false);
        }
        if (_connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
        _opening.Dispose();
    }
}
