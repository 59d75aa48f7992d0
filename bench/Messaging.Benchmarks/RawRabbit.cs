using System.Buffers.Binary;
using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Messaging.Benchmarks;

/// <summary>
/// The machine's ceiling with nothing of ours in between: a plain RabbitMQ.Client publisher → durable queue →
/// consumer, ~300-byte messages, persistent (as MassTransit publishes the worker's events by default), publisher
/// confirms awaited in batches, manual acks, the same prefetch as the downstream consumer.
/// </summary>
internal static class RawRabbit
{
    public const int BodyBytes = 300;

    public static async Task<string> ServerVersionAsync(Uri url)
    {
        await using var connection = await new ConnectionFactory { Uri = url }.CreateConnectionAsync();
        return connection.ServerProperties?.TryGetValue("version", out var v) == true && v is byte[] bytes
            ? System.Text.Encoding.UTF8.GetString(bytes) : "unknown";
    }

    /// <summary>Publishes <paramref name="count"/> messages as fast as confirms allow; returns messages/s delivered to the consumer.</summary>
    public static async Task<double> ThroughputAsync(Uri url, string queue, int count, int prefetch, bool persistent)
    {
        await using var link = await Link.OpenAsync(url, queue, prefetch);
        var (publisher, consumerChannel) = (link.Publisher, link.Consumer);

        var received = 0;
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(consumerChannel);
        consumer.ReceivedAsync += async (_, e) =>
        {
            await consumerChannel.BasicAckAsync(e.DeliveryTag, false);
            if (Interlocked.Increment(ref received) == count) done.TrySetResult(Stopwatch.GetTimestamp());
        };
        await consumerChannel.BasicConsumeAsync(queue, autoAck: false, consumer);

        var body = new byte[BodyBytes];
        var props = new BasicProperties { DeliveryMode = persistent ? DeliveryModes.Persistent : DeliveryModes.Transient };
        var start = Stopwatch.GetTimestamp();
        var batch = new List<Task>(256);
        for (var i = 0; i < count; i++)
        {
            batch.Add(publisher.BasicPublishAsync("", queue, true, props, body).AsTask());
            if (batch.Count == 256)
            {
                foreach (var t in batch) await t;
                batch.Clear();
            }
        }
        foreach (var t in batch) await t;
        var end = await done.Task.WaitAsync(TimeSpan.FromMinutes(2));
        await publisher.QueueDeleteAsync(queue);
        return count / Stopwatch.GetElapsedTime(start, end).TotalSeconds;
    }

    /// <summary>Publishes at <paramref name="rate"/> messages/s for <paramref name="duration"/>; returns the publish → receipt latencies in ms.</summary>
    public static async Task<double[]> LatencyAsync(Uri url, string queue, int rate, TimeSpan duration, int prefetch, bool persistent)
    {
        await using var link = await Link.OpenAsync(url, queue, prefetch);
        var (publisher, consumerChannel) = (link.Publisher, link.Consumer);

        var total = (int)(rate * duration.TotalSeconds);
        var (latencies, done) = await ReceiveStampedAsync(consumerChannel, queue, total);

        var props = new BasicProperties { DeliveryMode = persistent ? DeliveryModes.Persistent : DeliveryModes.Transient };
        var start = Stopwatch.GetTimestamp();
        var sentCount = 0;
        var batch = new List<Task>();
        // Timers tick every ~4 ms here: each tick sends what the rate owes by now.
        while (sentCount < total)
        {
            var due = Math.Min(total, (int)(Stopwatch.GetElapsedTime(start).TotalSeconds * rate));
            for (; sentCount < due; sentCount++)
            {
                var body = new byte[BodyBytes];
                BinaryPrimitives.WriteInt64LittleEndian(body, Stopwatch.GetTimestamp());
                batch.Add(publisher.BasicPublishAsync("", queue, true, props, body).AsTask());
            }
            foreach (var t in batch) await t;
            batch.Clear();
            await Task.Delay(1);
        }
        await done.WaitAsync(TimeSpan.FromMinutes(1));
        await publisher.QueueDeleteAsync(queue);
        return latencies;
    }

    /// <summary>
    /// Publishes <paramref name="bursts"/> bursts of <paramref name="burstSize"/> messages, one burst every
    /// <paramref name="interval"/> (as the emulator's streams write their chunks together); returns the publish → receipt
    /// latencies in ms, each from its own message's publish.
    /// </summary>
    public static async Task<double[]> BurstLatencyAsync(Uri url, string queue, int burstSize, TimeSpan interval, int bursts, int prefetch, bool persistent)
    {
        await using var link = await Link.OpenAsync(url, queue, prefetch);
        var (publisher, consumerChannel) = (link.Publisher, link.Consumer);
        var total = burstSize * bursts;
        var (latencies, done) = await ReceiveStampedAsync(consumerChannel, queue, total);

        var props = new BasicProperties { DeliveryMode = persistent ? DeliveryModes.Persistent : DeliveryModes.Transient };
        var start = Stopwatch.GetTimestamp();
        var confirms = new List<Task>();
        for (var burst = 0; burst < bursts; burst++)
        {
            var due = interval * burst - Stopwatch.GetElapsedTime(start);
            if (due > TimeSpan.Zero) await Task.Delay(due);
            for (var i = 0; i < burstSize; i++)
            {
                var body = new byte[BodyBytes];
                BinaryPrimitives.WriteInt64LittleEndian(body, Stopwatch.GetTimestamp());
                confirms.Add(publisher.BasicPublishAsync("", queue, true, props, body).AsTask());
            }
        }
        await Task.WhenAll(confirms);
        await done.WaitAsync(TimeSpan.FromMinutes(1));
        await publisher.QueueDeleteAsync(queue);
        return latencies;
    }

    /// <summary>Consumes <paramref name="total"/> messages stamped with their publish time; the latencies are filled in as they come.</summary>
    private static async Task<(double[] Latencies, Task Done)> ReceiveStampedAsync(IChannel consumerChannel, string queue, int total)
    {
        var latencies = new double[total];
        var received = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(consumerChannel);
        consumer.ReceivedAsync += async (_, e) =>
        {
            var sent = BinaryPrimitives.ReadInt64LittleEndian(e.Body.Span);
            var n = Interlocked.Increment(ref received);
            if (n <= total) latencies[n - 1] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
            await consumerChannel.BasicAckAsync(e.DeliveryTag, false);
            if (n == total) done.TrySetResult();
        };
        await consumerChannel.BasicConsumeAsync(queue, autoAck: false, consumer);
        return (latencies, done.Task);
    }

    /// <summary>One message at a time, each confirm awaited: the round trip a sequential publisher (the worker's relay) pays per message.</summary>
    public static async Task<double[]> ConfirmRoundTripAsync(Uri url, string queue, int count, bool persistent)
    {
        await using var connection = await new ConnectionFactory { Uri = url }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await channel.QueuePurgeAsync(queue);
        var props = new BasicProperties { DeliveryMode = persistent ? DeliveryModes.Persistent : DeliveryModes.Transient };
        var body = new byte[BodyBytes];
        var times = new double[count];
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await channel.BasicPublishAsync("", queue, true, props, body);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        await channel.QueueDeleteAsync(queue);
        return times;
    }

    /// <summary>
    /// One persistent message at a time through a queue of <paramref name="queueType"/> (quorum or classic), each waited for
    /// at the consumer before the next: what one hop of a request or an event costs on this broker; ms per message.
    /// </summary>
    public static async Task<double[]> HopAsync(Uri url, string queue, string queueType, int count)
    {
        await using var link = await Link.OpenAsync(url, queue, prefetch: 10, queueType);
        var props = new BasicProperties { DeliveryMode = DeliveryModes.Persistent };
        var (times, done) = await ReceiveStampedAsync(link.Consumer, queue, count);
        for (var i = 0; i < count; i++)
        {
            var body = new byte[BodyBytes];
            BinaryPrimitives.WriteInt64LittleEndian(body, Stopwatch.GetTimestamp());
            await link.Publisher.BasicPublishAsync("", queue, true, props, body);
            await Task.Delay(5); // long after it arrived: each message alone in the queue, as one request at a time is
        }
        await done.WaitAsync(TimeSpan.FromMinutes(1));
        await link.Publisher.QueueDeleteAsync(queue);
        return times;
    }

    /// <summary>A publisher (confirms on) and a consumer, each on its own connection, around one empty durable queue.</summary>
    private sealed class Link : IAsyncDisposable
    {
        private readonly IConnection _publisherConnection;
        private readonly IConnection _consumerConnection;

        private Link(IConnection publisherConnection, IConnection consumerConnection, IChannel publisher, IChannel consumer)
        {
            _publisherConnection = publisherConnection;
            _consumerConnection = consumerConnection;
            Publisher = publisher;
            Consumer = consumer;
        }

        public IChannel Publisher { get; }

        public IChannel Consumer { get; }

        public static async Task<Link> OpenAsync(Uri url, string queue, int prefetch, string queueType = "classic")
        {
            var factory = new ConnectionFactory { Uri = url };
            var publisherConnection = await factory.CreateConnectionAsync();
            var consumerConnection = await factory.CreateConnectionAsync();
            var publisher = await publisherConnection.CreateChannelAsync(new CreateChannelOptions(true, true));
            var consumer = await consumerConnection.CreateChannelAsync();
            await publisher.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
                new Dictionary<string, object?> { ["x-queue-type"] = queueType });
            await publisher.QueuePurgeAsync(queue);
            await consumer.BasicQosAsync(0, (ushort)prefetch, false);
            return new Link(publisherConnection, consumerConnection, publisher, consumer);
        }

        public async ValueTask DisposeAsync()
        {
            await Publisher.DisposeAsync();
            await Consumer.DisposeAsync();
            await _publisherConnection.DisposeAsync();
            await _consumerConnection.DisposeAsync();
        }
    }
}
