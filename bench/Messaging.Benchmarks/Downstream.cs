using System.Collections.Concurrent;
using System.Diagnostics;
using MassTransit;
using Messaging.Client;
using Messaging.Contracts;
using Messaging.Worker.Infrastructure;

namespace Messaging.Benchmarks;

/// <summary>What a downstream service sees, per request: receipt times, chunk counts, order, completion.</summary>
internal sealed class Recorder
{
    private readonly ConcurrentDictionary<Guid, RequestTrack> _requests = new();
    private long _messages;
    private long _chunks;
    private long _outOfOrder;
    private long _firstDelta;
    private long _lastDelta;

    /// <summary>Set for the latency phase: called with (interactionId, sequence, receipt ticks) for every chunk a delta carries.</summary>
    public Action<string, long, long>? OnChunk { get; set; }

    public long Messages => Interlocked.Read(ref _messages);
    public long Chunks => Interlocked.Read(ref _chunks);
    public long OutOfOrder => Interlocked.Read(ref _outOfOrder);
    public long FirstDeltaTicks => Interlocked.Read(ref _firstDelta);
    public long LastDeltaTicks => Interlocked.Read(ref _lastDelta);

    public RequestTrack Track(Guid requestId) => _requests.GetOrAdd(requestId, _ => new RequestTrack());

    public void Reset()
    {
        _requests.Clear();
        Interlocked.Exchange(ref _messages, 0);
        Interlocked.Exchange(ref _chunks, 0);
        Interlocked.Exchange(ref _outOfOrder, 0);
        Interlocked.Exchange(ref _firstDelta, 0);
        Interlocked.Exchange(ref _lastDelta, 0);
    }

    public void Delta(StepDelta delta)
    {
        var now = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _messages);
        var count = delta.LastSequence - delta.Sequence + 1;
        Interlocked.Add(ref _chunks, count);
        Interlocked.CompareExchange(ref _firstDelta, now, 0);
        Interlocked.Exchange(ref _lastDelta, now);
        var track = Track(delta.RequestId);
        lock (track)
        {
            if (delta.Sequence != track.NextSequence) Interlocked.Increment(ref _outOfOrder);
            track.NextSequence = Math.Max(track.NextSequence, delta.LastSequence + 1);
            track.Chunks += count;
            if (track.FirstDelta == 0) track.FirstDelta = now;
        }
        if (OnChunk is { } onChunk)
        {
            for (var s = delta.Sequence; s <= delta.LastSequence; s++) onChunk(delta.InteractionId, s, now);
        }
    }

    public void Finished(Guid requestId, bool completed)
    {
        var track = Track(requestId);
        track.Completed = completed;
        lock (track) track.Finals++;
        track.Done.TrySetResult();
    }
}

internal sealed class RequestTrack
{
    public long NextSequence { get; set; } = 1;
    public long Chunks { get; set; }
    public long FirstDelta { get; set; }
    public long Started { get; set; }
    public long FirstStepStarted { get; set; }
    public bool Completed { get; set; }
    /// <summary>Final events received (a replay of the same one included).</summary>
    public int Finals { get; set; }
    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>The downstream service's consumer: it only records.</summary>
internal sealed class DownstreamConsumer(Recorder recorder) :
    IConsumer<InteractionStarted>, IConsumer<StepStarted>, IConsumer<StepDelta>, IConsumer<InteractionCompleted>, IConsumer<InteractionFailed>, IConsumer<InteractionRejected>
{
    public Task Consume(ConsumeContext<InteractionStarted> context)
    {
        var track = recorder.Track(context.Message.RequestId);
        if (track.Started == 0) track.Started = Stopwatch.GetTimestamp();
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<StepStarted> context)
    {
        var track = recorder.Track(context.Message.RequestId);
        if (track.FirstStepStarted == 0) track.FirstStepStarted = Stopwatch.GetTimestamp();
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<StepDelta> context)
    {
        recorder.Delta(context.Message);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<InteractionCompleted> context)
    {
        recorder.Finished(context.Message.RequestId, true);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<InteractionFailed> context)
    {
        recorder.Finished(context.Message.RequestId, false);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<InteractionRejected> context)
    {
        recorder.Finished(context.Message.RequestId, false);
        return Task.CompletedTask;
    }
}

/// <summary>
/// A downstream service on the same broker: MassTransit with the project's own bus setup, one durable queue
/// bound to the events it wants. <paramref name="concurrency"/> 1 is the ordered mode (a stream's deltas
/// are handled in the order the broker holds them).
/// </summary>
internal sealed class Downstream : IAsyncDisposable
{
    private readonly IHost _host;

    private Downstream(IHost host, Recorder recorder)
    {
        _host = host;
        Recorder = recorder;
        Bus = host.Services.GetRequiredService<IBus>();
    }

    public Recorder Recorder { get; }
    public IBus Bus { get; }

    public static async Task<Downstream> StartAsync(Uri rabbitMq, string prefix, int prefetch, int concurrency)
    {
        var builder = Host.CreateApplicationBuilder(["--hostBuilder:reloadConfigOnChange=false"]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Bus:RabbitMqUrl"] = rabbitMq.ToString(), ["Bus:NamePrefix"] = prefix,
        });
        var recorder = new Recorder();
        builder.Services.AddSingleton(recorder);
        builder.Services.AddMessagingBus(builder.Configuration, x =>
            x.AddConsumer<DownstreamConsumer>().Endpoint(e =>
            {
                e.Name = prefix + "downstream";
                e.PrefetchCount = prefetch;
                e.ConcurrentMessageLimit = concurrency;
            }));
        builder.Services.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = true);
        var host = builder.Build();
        await host.StartAsync();
        return new Downstream(host, recorder);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
