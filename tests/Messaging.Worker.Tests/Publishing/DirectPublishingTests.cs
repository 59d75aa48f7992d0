using System.Diagnostics;
using System.Text;
using System.Text.Json;
using MassTransit;
using MassTransit.Logging;
using Messaging.Client;
using Messaging.Contracts;
using Messaging.Worker.Infrastructure;
using Messaging.Worker.Publishing;
using Messaging.Worker.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Messaging.Worker.Tests.Publishing;

/// <summary>
/// The worker's two ways of publishing a stream (straight with RabbitMQ.Client, the default; or through MassTransit)
/// put the same events on the bus, and the direct one marks them as MassTransit would.
/// </summary>
[Trait("Needs", "RabbitMQ")]
public sealed class DirectPublishingTests(CoalescingFixture fixture) : IClassFixture<CoalescingFixture>
{
    private const string Request = """{"model":"gemini-3.5-flash","input":"Explain how AI works","labels":{"emulator_chunks":"12"}}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Direct_and_MassTransit_publishing_deliver_the_same_stream()
    {
        var direct = await fixture.Off.RunAsync(Request, Ct);
        var throughMassTransit = await fixture.ThroughMassTransit.RunAsync(Request, Ct);

        StreamAssert.WellFormed(direct);
        StreamAssert.WellFormed(throughMassTransit);
        Assert.Equal(throughMassTransit.All.Select(m => m.GetType().Name), direct.All.Select(m => m.GetType().Name));
        Assert.Equal(StreamAssert.StreamedText(throughMassTransit), StreamAssert.StreamedText(direct));
        Assert.Equal(throughMassTransit.Single<InteractionCompleted>().OutputText, direct.Single<InteractionCompleted>().OutputText);
    }

    [Fact]
    public async Task Directly_published_events_carry_the_envelope_content_type_a_message_id_and_their_delivery_mode()
    {
        var lane = fixture.Wide; // transient deltas
        await using var tap = await Tap.OpenAsync(fixture.BrokerUrl, lane.Prefix, nameof(StepDelta), nameof(StepCompleted), nameof(InteractionCompleted));

        var events = await lane.RunAsync(Request, Ct);

        var seen = new Dictionary<string, List<IReadOnlyBasicProperties>>();
        while (await tap.NextAsync() is { } got)
        {
            using var envelope = JsonDocument.Parse(Encoding.UTF8.GetString(got.Body.Span));
            if (envelope.RootElement.GetProperty("message").GetProperty("requestId").GetGuid() != events.RequestId) continue;
            var type = envelope.RootElement.GetProperty("messageType")[0].GetString()!.Split(':')[^1];
            (seen.TryGetValue(type, out var list) ? list : seen[type] = []).Add(got.BasicProperties);
            Assert.Equal(got.BasicProperties.MessageId, envelope.RootElement.GetProperty("messageId").GetString());
        }

        Assert.Equal(events.Of<StepDelta>().Count, seen[nameof(StepDelta)].Count);
        Assert.All(seen.Values.SelectMany(p => p), p => Assert.Equal("application/vnd.masstransit+json", p.ContentType));
        Assert.All(seen[nameof(StepDelta)], p => Assert.Equal(DeliveryModes.Transient, p.DeliveryMode));
        Assert.All(seen[nameof(StepCompleted)].Concat(seen[nameof(InteractionCompleted)]), p => Assert.Equal(DeliveryModes.Persistent, p.DeliveryMode));
    }

    [Fact]
    public async Task Pipelined_lanes_keep_each_streams_order_while_many_share_the_channels()
    {
        const int Streams = 40, PerStream = 150;
        await using var tap = await Tap.OpenAsync(fixture.BrokerUrl, fixture.Off.Prefix, nameof(StepDelta));
        await using var publisher = Publisher();

        var streams = Enumerable.Range(0, Streams).Select(_ => Guid.NewGuid()).ToList();
        await Task.WhenAll(streams.Select(id => Task.Run(async () =>
        {
            var stream = publisher.OpenLane();
            for (var sequence = 1; sequence <= PerStream; sequence++)
            {
                await stream.PublishAsync(Delta(id, sequence), Guid.NewGuid(), persistent: sequence % 2 == 0, Ct);
            }
            await stream.ConfirmAsync(Ct);
        }, Ct)));

        var seen = streams.ToDictionary(id => id, _ => new List<long>());
        while (seen.Values.Sum(s => s.Count) < Streams * PerStream && await tap.NextAsync() is { } got)
        {
            using var envelope = JsonDocument.Parse(got.Body);
            var message = envelope.RootElement.GetProperty("message");
            seen[message.GetProperty("requestId").GetGuid()].Add(message.GetProperty("sequence").GetInt64());
        }

        Assert.All(seen.Values, sequences => Assert.Equal(Enumerable.Range(1, PerStream).Select(i => (long)i), sequences));
    }

    [Fact]
    public async Task A_lane_whose_channel_closes_mid_stream_resends_what_was_unconfirmed_without_a_gap_or_a_swap()
    {
        const int PerStream = 200;
        await using var tap = await Tap.OpenAsync(fixture.BrokerUrl, fixture.Off.Prefix, nameof(StepDelta));
        await using var publisher = Publisher();
        var id = Guid.NewGuid();
        var stream = (RabbitMqStreamLane)publisher.OpenLane();

        for (var sequence = 1; sequence <= PerStream; sequence++)
        {
            await stream.PublishAsync(Delta(id, sequence), Guid.NewGuid(), persistent: true, Ct);
            // Pulled from under the lane with messages in flight: they fail, and are resent before the next one.
            if (sequence == PerStream / 2) await (await publisher.ChannelAsync(stream.Slot, Ct)).CloseAsync(Ct);
        }
        await stream.ConfirmAsync(Ct);

        // A consumer keeps what comes after the last sequence it has: that must be every sequence once, in order.
        var kept = new List<long>();
        while (await tap.NextAsync() is { } got)
        {
            using var envelope = JsonDocument.Parse(got.Body);
            var sequence = envelope.RootElement.GetProperty("message").GetProperty("sequence").GetInt64();
            if (sequence > (kept.Count == 0 ? 0 : kept[^1])) kept.Add(sequence);
        }
        Assert.Equal(Enumerable.Range(1, PerStream).Select(i => (long)i), kept);
    }

    [Fact]
    public async Task A_directly_published_event_carries_the_publishers_trace_to_a_MassTransit_consumer()
    {
        var consumed = new List<Activity>();
        using var listener = new ActivityListener
        {
            // As the worker's tracer does when an OTLP endpoint is set: MassTransit's source and RabbitMQ.Client's publisher.
            ShouldListenTo = source => source.Name is DiagnosticHeaders.DefaultListenerName or "Messaging.Worker.Tests"
                || source.Name == RabbitMqStreamEventPublisher.ClientPublisherSource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { if (activity.Source.Name == DiagnosticHeaders.DefaultListenerName) lock (consumed) consumed.Add(activity); },
        };
        ActivitySource.AddActivityListener(listener);
        await using var publisher = Publisher();
        var id = Guid.NewGuid();
        using var source = new ActivitySource("Messaging.Worker.Tests");
        ActivityTraceId traceId;
        using (var stream = source.StartActivity("a stream", ActivityKind.Internal, new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded)))
        {
            traceId = stream!.TraceId;
            var lane = publisher.OpenLane();
            await lane.PublishAsync(Delta(id, 1), Guid.NewGuid(), persistent: true, Ct);
            await lane.ConfirmAsync(Ct);
        }

        await fixture.Off.Events.WaitAsync(id, e => e.Of<StepDelta>().Count == 1, "the delta consumed");
        // The consume activity stops after the consumer returns.
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!patience.IsCancellationRequested)
        {
            lock (consumed) if (consumed.Any(a => a.TraceId == traceId && a.Kind == ActivityKind.Consumer)) return;
            await Task.Delay(20, Ct);
        }
        lock (consumed) Assert.Fail($"no consume activity in trace {traceId}; MassTransit activities seen: "
            + string.Join(", ", consumed.Select(a => $"{a.OperationName} {a.Kind} {a.TraceId}")));
    }

    private RabbitMqStreamEventPublisher Publisher() =>
        new(Options.Create(new BusOptions { RabbitMqUrl = fixture.BrokerUrl }), Options.Create(new Messaging.Worker.Streaming.WorkerOptions()), fixture.Off.Bus,
            NullLogger<RabbitMqStreamEventPublisher>.Instance);

    /// <summary>A private queue bound to a lane's exchanges of the given message types, read with basic.get.</summary>
    private sealed class Tap : IAsyncDisposable
    {
        private IConnection _connection = null!;
        private IChannel _channel = null!;
        private string _queue = "";

        public static async Task<Tap> OpenAsync(Uri broker, string prefix, params string[] types)
        {
            var tap = new Tap { _connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync(Ct) };
            tap._channel = await tap._connection.CreateChannelAsync(cancellationToken: Ct);
            tap._queue = (await tap._channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true, cancellationToken: Ct)).QueueName;
            foreach (var type in types)
            {
                var exchange = $"{prefix}Messaging.Contracts:{type}";
                await tap._channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: Ct);
                await tap._channel.QueueBindAsync(tap._queue, exchange, "", cancellationToken: Ct);
            }
            return tap;
        }

        /// <summary>The next message, or null when the queue is empty.</summary>
        public Task<BasicGetResult?> NextAsync() => _channel.BasicGetAsync(_queue, autoAck: true, Ct);

        public async ValueTask DisposeAsync()
        {
            await _channel.DisposeAsync();
            await _connection.DisposeAsync();
        }
    }

    private static StepDelta Delta(Guid id, long sequence) => new()
    {
        RequestId = id, ConversationId = id, TurnId = id, InteractionId = "v1_order", Sequence = sequence, LastSequence = sequence,
        Delta = JsonDocument.Parse("""{"type":"text","text":"x"}""").RootElement.Clone(), Text = "x",
    };
}
