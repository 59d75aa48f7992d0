using System.Collections.Concurrent;
using MassTransit;
using Messaging.Client;
using Messaging.Worker.Infrastructure;
using Messaging.Worker.Streaming;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Messaging.Worker.Publishing;

/// <summary>
/// Publishes streams' events straight to RabbitMQ with RabbitMQ.Client (MassTransit's own transport library), in
/// MassTransit's envelope and to the exchanges MassTransit's topology names, with publisher confirms. Why not
/// MassTransit's <c>Publish</c>: on this path every API delta can become a message, MassTransit's publish pipeline
/// costs several times the raw client's CPU per message (bench/README.md), and it cannot pipeline one stream's
/// messages while keeping their order. The envelope written here is the same contract for every consumer, and the
/// trace goes along (<c>MT-Activity-Id</c>). What it does not do: MassTransit publish observers and filters do not see
/// these events.
/// <para>
/// One connection per replica, a few channels with publisher confirms; each stream's lane (<see cref="RabbitMqStreamLane"/>)
/// sticks to one channel, where AMQP keeps the order of what is published. A connection fault is retried with backoff
/// while the client recovers the connection; a nack is not.
/// </para>
/// </summary>
internal sealed class RabbitMqStreamEventPublisher : IStreamEventPublisher, IAsyncDisposable
{
    private const int ChannelCount = 4;

    /// <summary>
    /// Confirms tracked by the client, and no limiter of outstanding confirms: the client's default one sleeps every
    /// publish for 0.5–1 s once a channel has more than 64 unconfirmed messages (a few hundred streams reach that), and
    /// a limiter could let a later publish of a lane overtake an earlier one. Each lane bounds its own unconfirmed messages.
    /// </summary>
    internal static readonly CreateChannelOptions ConfirmedChannel = new(
        publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null);

    /// <summary>
    /// RabbitMQ.Client's own publish instrumentation: when a tracer listens to it (the worker's does, with an OTLP
    /// endpoint), every direct publish gets a span. The trace reaches MassTransit consumers through the
    /// <c>MT-Activity-Id</c> header each lane sets (see <see cref="RabbitMqStreamLane"/>).
    /// </summary>
    public const string ClientPublisherSource = "RabbitMQ.Client.Publisher";

    private readonly ConnectionFactory _factory;
    private readonly IBus _bus;
    private readonly SemaphoreSlim _opening = new(1, 1);
    private readonly IChannel?[] _channels = new IChannel?[ChannelCount];
    private readonly ConcurrentDictionary<Type, Task<string>> _exchanges = new();
    private IConnection? _connection;
    private int _nextLane;
    private bool _disposed;

    private readonly bool _replyOnly;

    public RabbitMqStreamEventPublisher(IOptions<BusOptions> options, IOptions<WorkerOptions> worker, IBus bus, ILogger<RabbitMqStreamEventPublisher> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(worker);
        _replyOnly = worker.Value.EventsToReplyAddressOnly;
        _factory = new ConnectionFactory
        {
            Uri = options.Value.RabbitMqUrl ?? throw new InvalidOperationException("Bus:RabbitMqUrl is required for direct publishing"),
            ClientProvidedName = $"messaging-worker-stream-events@{Environment.MachineName}",
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = false,
        };
        _bus = bus;
        Retry = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(IsConnectionFault),
            MaxRetryAttempts = 8,
            Delay = TimeSpan.FromMilliseconds(200),
            BackoffType = DelayBackoffType.Exponential,
            MaxDelay = TimeSpan.FromSeconds(5),
            UseJitter = true,
            OnRetry = args =>
            {
                logger.LogWarning(args.Outcome.Exception, "Publishing stream events failed (attempt {Attempt}); retrying in {Delay}",
                    args.AttemptNumber + 1, args.RetryDelay);
                return default;
            },
        }).Build();
    }

    /// <summary>Retries what a recovering connection throws.</summary>
    internal ResiliencePipeline Retry { get; }

    /// <summary>
    /// A fault a fresh channel can cure: the connection or channel closed (or is recovering), or a lane's channel was
    /// disposed because another lane found it closed and opened the slot's replacement.
    /// </summary>
    internal static bool IsConnectionFault(Exception ex) =>
        ex is AlreadyClosedException or BrokerUnreachableException or OperationInterruptedException or ConnectFailureException
        || (ex is ObjectDisposedException disposed && disposed.ObjectName != typeof(RabbitMqStreamEventPublisher).FullName);

    public IStreamEventLane OpenLane(ReplyAddress? reply = null) =>
        new RabbitMqStreamLane(this, (int)((uint)Interlocked.Increment(ref _nextLane) % ChannelCount), reply, _replyOnly);

    /// <summary>The message type's exchange, declared once as MassTransit declares it (durable fanout), so a publish never finds it missing.</summary>
    internal Task<string> ExchangeAsync<T>() where T : class => _exchanges.GetOrAdd(typeof(T), _ => DeclareAsync<T>());

    private async Task<string> DeclareAsync<T>() where T : class
    {
        var name = _bus.Topology.Message<T>().EntityName;
        try
        {
            await Retry.ExecuteAsync(async token =>
            {
                var channel = await ChannelAsync(0, token).ConfigureAwait(false);
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

    /// <summary>
    /// Whether a reply exchange exists, asked on a channel of its own: publishing to a missing exchange would close the
    /// channel every lane of its slot shares. Known exchanges are remembered; a missing one is asked again next time.
    /// </summary>
    internal async Task<bool> ReplyExchangeExistsAsync(string name, CancellationToken cancellationToken)
    {
        if (_replyExchanges.ContainsKey(name)) return true;
        await ChannelAsync(0, cancellationToken).ConfigureAwait(false); // the connection
        try
        {
            await using var probe = await _connection!.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await probe.ExchangeDeclarePassiveAsync(name, cancellationToken).ConfigureAwait(false);
            _replyExchanges.TryAdd(name, true);
            return true;
        }
        catch (OperationInterruptedException)
        {
            return false;
        }
    }

    private readonly ConcurrentDictionary<string, bool> _replyExchanges = new();

    /// <summary>The open channel of <paramref name="slot"/>, opened (again) when it is missing or closed for good.</summary>
    internal async ValueTask<IChannel> ChannelAsync(int slot, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _channels[slot]) is { IsOpen: true } open) return open;
        await _opening.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
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
        await _opening.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var channel in _channels)
            {
                if (channel is not null) await channel.DisposeAsync().ConfigureAwait(false);
            }
            if (_connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _opening.Release();
        }
    }
}
