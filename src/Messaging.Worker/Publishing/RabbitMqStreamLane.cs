using System.Buffers;
using System.Diagnostics;
using MassTransit;
using MassTransit.Logging;
using Messaging.Worker.Streaming;
using RabbitMQ.Client;

namespace Messaging.Worker.Publishing;

/// <summary>
/// One stream's publishes on one channel, pipelined: each message is written as soon as it is handed over and its
/// confirm is awaited later (<see cref="ConfirmAsync"/>, or when more than <see cref="MaxUnconfirmed"/> wait). Order
/// holds because the lane calls <c>BasicPublishAsync</c> on its channel one message after the other: the client
/// assigns the publish sequence number and writes the frames under one FIFO lock taken in call order, and AMQP keeps
/// a channel's order (DirectPublishingTests checks it under concurrency). If the connection drops, every message not
/// yet confirmed is sent again, in order, on the recovered channel: a consumer may see a message twice (its sequence
/// tells), never a gap or a swap.
/// </summary>
internal sealed class RabbitMqStreamLane(RabbitMqStreamEventPublisher owner, int slot, Messaging.Client.ReplyAddress? reply = null, bool replyOnly = false)
    : IStreamEventLane
{
    /// <summary>Unconfirmed messages a lane may have before a publish waits for the oldest confirm.</summary>
    internal const int MaxUnconfirmed = 64;

    private readonly Queue<Unconfirmed> _unconfirmed = new();
    private IChannel? _channel;
    private bool? _replyExchangeExists;

    public async ValueTask PublishAsync<T>(T message, Guid messageId, bool persistent, CancellationToken cancellationToken) where T : class
    {
        ArgumentNullException.ThrowIfNull(message);
        SettleConfirmed();
        while (_unconfirmed.Count >= MaxUnconfirmed) await SettleOldestAsync(cancellationToken).ConfigureAwait(false);
        // A reply exchange that does not exist gets nothing (a queue that does not exist drops what it is sent by itself).
        if (reply is { IsExchange: true } && _replyExchangeExists is null)
            _replyExchangeExists = await owner.ReplyExchangeExistsAsync(reply.Name, cancellationToken).ConfigureAwait(false);
        var replyTo = _replyExchangeExists == false ? null : reply;
        var toExchange = RequesterEvents.ToExchange<T>(replyTo, replyOnly);
        var exchange = toExchange ? await owner.ExchangeAsync<T>().ConfigureAwait(false) : "";
        if (_channel is not { IsOpen: true })
        {
            // The channel went away under earlier messages: they go again first, or this one could overtake them.
            if (_unconfirmed.Count > 0) await ConfirmAsync(cancellationToken).ConfigureAwait(false);
            await owner.Retry.ExecuteAsync(async token => _channel = await owner.ChannelAsync(slot, token).ConfigureAwait(false), cancellationToken)
                .ConfigureAwait(false);
        }
        var (body, length) = MassTransitEnvelope.Rent(messageId, message, DateTime.UtcNow);
        var properties = new BasicProperties
        {
            ContentType = MassTransitEnvelope.ContentType,
            DeliveryMode = persistent ? DeliveryModes.Persistent : DeliveryModes.Transient,
            MessageId = messageId.ToString(),
        };
        // The header MassTransit's receive reads its parent activity from: its consumers continue the worker's trace.
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C, Id: { } parent })
            properties.Headers = new Dictionary<string, object?> { [DiagnosticHeaders.ActivityId] = parent };
        // To the exchange, then to the reply address on the same channel: each gets the lane's order. They share the
        // envelope's buffer, given back with the last of them.
        if (toExchange)
        {
            var published = new Unconfirmed(exchange, "", properties, body, length, returnsBody: replyTo is null);
            _unconfirmed.Enqueue(published);
            Send(_channel!, published);
        }
        if (replyTo is not null)
        {
            var replied = replyTo.IsExchange
                ? new Unconfirmed(replyTo.Name, "", properties, body, length, returnsBody: true)
                : new Unconfirmed("", replyTo.Name, properties, body, length, returnsBody: true);
            _unconfirmed.Enqueue(replied);
            Send(_channel!, replied);
        }
    }

    public async Task ConfirmAsync(CancellationToken cancellationToken)
    {
        while (_unconfirmed.Count > 0) await SettleOldestAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task Confirmed()
    {
        SettleConfirmed();
        return Unsettled();
    }

    private Task Unsettled() => _unconfirmed.Count switch
    {
        0 => Task.CompletedTask,
        1 => _unconfirmed.Peek().Confirm!,
        _ => Task.WhenAll(_unconfirmed.Select(static u => u.Confirm!)), // RabbitMQ may confirm a channel's messages out of order
    };

    /// <summary>The channel slot this lane publishes on.</summary>
    internal int Slot => slot;

    // Not awaited here: the confirm is. The call itself has queued the message behind the lane's earlier ones.
    private static void Send(IChannel channel, Unconfirmed message)
    {
        try
        {
            message.Confirm = channel.BasicPublishAsync(message.Exchange, message.RoutingKey, false, message.Properties, message.Body.AsMemory(0, message.Length),
                CancellationToken.None).AsTask();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            message.Confirm = Task.FromException(ex); // settled (resent or reported) in order with the others
        }
    }

    // What the broker has confirmed already, oldest first, is let go without waiting: the buffers go back to the pool
    // while the stream runs, not at its end.
    private void SettleConfirmed()
    {
        while (_unconfirmed.TryPeek(out var oldest) && oldest.Confirm!.IsCompletedSuccessfully)
        {
            _unconfirmed.Dequeue();
            if (oldest.ReturnsBody) ArrayPool<byte>.Shared.Return(oldest.Body);
        }
    }

    private async Task SettleOldestAsync(CancellationToken cancellationToken)
    {
        var oldest = _unconfirmed.Peek();
        try
        {
            await oldest.Confirm!.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (RabbitMqStreamEventPublisher.IsConnectionFault(ex))
        {
            await ResendAsync(cancellationToken).ConfigureAwait(false);
            return; // the oldest is settled on the next call, against its new confirm
        }
        _unconfirmed.Dequeue();
        if (oldest.ReturnsBody) ArrayPool<byte>.Shared.Return(oldest.Body);
    }

    // Everything still unconfirmed goes again, oldest first, once the channel is back.
    private Task ResendAsync(CancellationToken cancellationToken) =>
        owner.Retry.ExecuteAsync(async token =>
        {
            foreach (var message in _unconfirmed)
            {
                try { await message.Confirm!.ConfigureAwait(false); }
                catch (Exception ex) when (RabbitMqStreamEventPublisher.IsConnectionFault(ex)) { }
            }
            _channel = await owner.ChannelAsync(slot, token).ConfigureAwait(false);
            foreach (var message in _unconfirmed) Send(_channel, message);
            await _unconfirmed.Peek().Confirm!.WaitAsync(token).ConfigureAwait(false);
        }, cancellationToken).AsTask();

    private sealed class Unconfirmed(string exchange, string routingKey, BasicProperties properties, byte[] body, int length, bool returnsBody)
    {
        public string Exchange { get; } = exchange;

        public string RoutingKey { get; } = routingKey;

        public bool ReturnsBody { get; } = returnsBody;

        public BasicProperties Properties { get; } = properties;

        public byte[] Body { get; } = body;

        public int Length { get; } = length;

        public Task? Confirm { get; set; }
    }
}
