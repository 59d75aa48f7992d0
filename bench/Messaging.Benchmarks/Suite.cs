using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Messaging.Contracts;
using Messaging.Interactions;
using Messaging.Interactions.Models;
using Messaging.Interactions.Streaming;
using RabbitMQ.Client;
using Spectre.Console;

namespace Messaging.Benchmarks;

/// <summary>
/// The benchmark: every figure of issue 5 next to its baseline measured in the same run, on a real broker,
/// with worker replicas as separate processes, the emulator and the downstream consumer in this process.
/// </summary>
internal sealed partial class Suite
{
    private const string Prefix = "bench-";
    private const int DownstreamPrefetch = 1000;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private readonly SuiteOptions _options;
    private readonly Uri _rabbit;
    private readonly EmulatorHost _emulator;
    private readonly List<Row> _rows = [];
    private readonly List<string> _notes = [];
    private CheckpointDatabase? _database;
    private double? _ttfdOverheadP50;

    private Suite(SuiteOptions options, Uri rabbit, EmulatorHost emulator)
    {
        _options = options;
        _rabbit = rabbit;
        _emulator = emulator;
    }

    public static async Task<int> RunAsync(SuiteOptions options)
    {
        var started = DateTime.UtcNow;
        var root = RepoRoot();
        var rabbit = new Uri(Environment.GetEnvironmentVariable("RABBITMQ_URL") is { Length: > 0 } url ? url : StartRabbit(root));
        AnsiConsole.MarkupLine($"[grey]broker {Markup.Escape(rabbit.GetLeftPart(UriPartial.Authority))}, {(options.Quick ? "quick" : "full")} run[/]");
        await CleanBrokerAsync(rabbit);
        await using var emulator = await EmulatorHost.StartAsync();
        var suite = new Suite(options, rabbit, emulator);
        var failed = false;
        try
        {
            if (options.Runs("checkpoints") || options.Runs("takeover") || options.Runs("quota"))
                suite._database = await CheckpointDatabase.StartAsync(script => Run(Path.Combine(root, "infra", script), "").Trim());
            await suite.RunPhasesAsync();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            failed = true;
            AnsiConsole.MarkupLine($"[red]benchmark failed: {Markup.Escape(ex.ToString())}[/]");
        }
        finally
        {
            await CleanBrokerAsync(rabbit);
            if (suite._database is not null) await suite._database.DisposeAsync();
        }

        suite.Print();
        var machine = await MachineAsync(rabbit);
        var output = options.Output ?? (options.Quick ? null : Path.Combine(root, "bench", "results", $"{started:yyyy-MM-dd-HHmm}.md"));
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, suite.Markdown(machine, started, DateTime.UtcNow));
            AnsiConsole.MarkupLine($"[grey]results written to {Markup.Escape(output)}[/]");
        }
        return failed ? 1 : 0;
    }

    private async Task RunPhasesAsync()
    {
        var settings = WorkerSettings(maxStreams: null);
        if (_options.Runs("throughput") || _options.Runs("latency") || _options.Runs("ttfd"))
        {
            await using var worker = await WorkerProcess.StartAsync(settings);
            if (_options.Runs("throughput")) await ThroughputAsync(worker, _options.WorkerSettings.Count == 0 ? "default" : "as configured", settings, 1.0);
            if (_options.Runs("latency")) await LatencyAsync(worker);
            if (_options.Runs("ttfd")) _ttfdOverheadP50 = await TimeToFirstDeltaAsync("", worker);
        }
        if (_options.Runs("throughput") && !_options.WorkerSettings.ContainsKey("Worker:DeltaCoalescingWindow"))
        {
            var off = new Dictionary<string, string>(settings) { ["Worker:DeltaCoalescingWindow"] = "00:00:00" };
            await using var worker = await WorkerProcess.StartAsync(off);
            await ThroughputAsync(worker, "coalescing off", off, 0.4);
        }
        if (_options.Runs("checkpoints")) await CheckpointsAsync();
        if (_options.Runs("takeover")) await TakeoverAsync();
        if (_options.Runs("footprint"))
        {
            foreach (var streams in _options.FootprintStreams) await FootprintAsync(streams);
            if (_options.FootprintOnly is null) await MixedAsync();
        }
        if (_options.Runs("replicas")) await ReplicasAsync();
        if (_options.Runs("memory")) await MemoryAsync();
        if (_options.Runs("quota")) await QuotaAsync();
    }

    /// <summary>The delta delivery mode the worker runs with: the raw baselines use the same.</summary>
    private static bool Persistent(Dictionary<string, string> settings) =>
        !settings.TryGetValue("Worker:DeltaDeliveryMode", out var mode) || !mode.Equals("Transient", StringComparison.OrdinalIgnoreCase);

    private Dictionary<string, string> WorkerSettings(int? maxStreams)
    {
        var settings = new Dictionary<string, string>
        {
            ["Bus:RabbitMqUrl"] = _rabbit.ToString(), ["Bus:NamePrefix"] = Prefix, ["Interactions:BaseUrl"] = _emulator.BaseAddress.ToString(),
        };
        if (maxStreams is { } m) settings["Worker:MaxConcurrentStreams"] = m.ToString(Inv);
        foreach (var (k, v) in _options.WorkerSettings) settings[k] = v;
        return settings;
    }

    private static JsonElement Request(int chunks, int chunkDelayMs, string input = "Explain how AI works")
    {
        var body = new Dictionary<string, object>
        {
            ["model"] = "gemini-3.5-flash", ["input"] = input,
            ["labels"] = new Dictionary<string, string>
            {
                ["emulator_chunks"] = chunks.ToString(Inv), ["emulator_chunk_delay_ms"] = chunkDelayMs.ToString(Inv),
            },
        };
        return JsonSerializer.SerializeToElement(body);
    }

    /// <summary>Publishes <paramref name="streams"/> requests and waits for all of them; returns (elapsed from the first publish to the last delta, ids).</summary>
    private static async Task<(TimeSpan Elapsed, List<Guid> Ids)> RunStreamsAsync(Downstream downstream, int streams, JsonElement request, TimeSpan patience,
        TimeSpan? stagger = null, List<Guid>? requestIds = null)
    {
        var ids = requestIds ?? Enumerable.Range(0, streams).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in ids) downstream.Recorder.Track(id);
        var start = Stopwatch.GetTimestamp();
        var publishes = new List<Task>();
        foreach (var id in ids)
        {
            publishes.Add(downstream.Bus.Publish(new InteractionRequested { RequestId = id, Request = request }));
            if (stagger is { } s && s > TimeSpan.Zero) await Task.Delay(s);
        }
        await Task.WhenAll(publishes);
        var all = Task.WhenAll(ids.Select(id => downstream.Recorder.Track(id).Done.Task));
        if (await Task.WhenAny(all, Task.Delay(patience)) != all)
        {
            var missing = ids.Count(id => !downstream.Recorder.Track(id).Done.Task.IsCompleted);
            throw new TimeoutException($"{missing} of {streams} streams did not finish within {patience}");
        }
        return (Stopwatch.GetElapsedTime(start, downstream.Recorder.LastDeltaTicks), ids);
    }

    private async Task<double> ThroughputAsync(WorkerProcess worker, string label, Dictionary<string, string> settings, double target)
    {
        var persistent = Persistent(settings);
        Phase($"throughput ({label}): raw RabbitMQ.Client ceiling, then {_options.ThroughputStreams} streams × {_options.ThroughputChunks} chunks through one worker");
        var rawBefore = await RawRabbit.ThroughputAsync(_rabbit, Prefix + "raw", _options.RawMessages, DownstreamPrefetch, persistent);

        await using var downstream = await Downstream.StartAsync(_rabbit, Prefix, DownstreamPrefetch, DownstreamPrefetch);
        // Warm-up (JIT tiers, connection pools, the store's table), not measured: a worker in service is warm.
        await RunStreamsAsync(downstream, _options.ThroughputWarmUpStreams, Request(_options.ThroughputChunks, 0), TimeSpan.FromMinutes(1));
        downstream.Recorder.Reset();
        await Task.Delay(600); // a fresh stats line: allocations before the run
        var allocatedBefore = worker.AllocatedBytes;
        var deltasBefore = worker.DeltasPublished;
        var cpu = CpuMeter.Start(worker);
        var (elapsed, ids) = await RunStreamsAsync(downstream, _options.ThroughputStreams, Request(_options.ThroughputChunks, 0), TimeSpan.FromMinutes(3));
        var cpuReport = cpu.Report();
        await Task.Delay(600); // the worker's last stats line
        var allocatedPerChunk = (worker.AllocatedBytes - allocatedBefore) / (double)Math.Max(1, downstream.Recorder.Chunks);
        // The broker's own pace drifts over seconds: the baseline is the mean of one run before and one after.
        var rawAfter = await RawRabbit.ThroughputAsync(_rabbit, Prefix + "raw", _options.RawMessages, DownstreamPrefetch, persistent);
        var raw = (rawBefore + rawAfter) / 2;
        var recorder = downstream.Recorder;
        var completed = ids.Count(id => recorder.Track(id).Completed);
        var chunksPerSecond = recorder.Chunks / elapsed.TotalSeconds;
        var messagesPerSecond = recorder.Messages / elapsed.TotalSeconds;
        var ratio = chunksPerSecond / raw;
        _rows.Add(new Row($"Delivered chunks/s, 1 worker ({label})", $"{chunksPerSecond:N0} chunks/s ({messagesPerSecond:N0} msg/s, {(double)recorder.Chunks / recorder.Messages:0.0} chunks/msg)",
            $"raw {raw:N0} msg/s ({(persistent ? "persistent" : "transient")}, confirms; {rawBefore:N0} before, {rawAfter:N0} after)", $"{ratio:0.00}×", $"≥ {target:0.0}×", ratio >= target));
        _notes.Add(string.Create(Inv, $"throughput ({label}): {completed}/{ids.Count} completed, {recorder.Chunks} chunks in {recorder.Messages} StepDelta messages over {elapsed.TotalSeconds:0.00} s; out-of-order deltas seen by the concurrent consumer: {recorder.OutOfOrder}; worker published {worker.DeltasPublished - deltasBefore} deltas, allocating {allocatedPerChunk / 1024:0.0} KB per chunk; {cpuReport}"));
        return ratio;
    }

    private async Task LatencyAsync(WorkerProcess worker)
    {
        var streams = _options.LatencyStreams;
        var delay = _options.LatencyChunkDelayMs;
        var chunks = _options.LatencyChunks;
        var rate = streams * 1000 / delay;
        var request = Request(chunks, delay);
        Phase($"latency: {streams} streams × {1000 / delay} chunks/s (= {rate} chunks/s), direct SSE client, then the bridge, then raw RabbitMQ at {rate} msg/s");

        _emulator.DeltaWrites.Clear();
        var direct = new ConcurrentBag<double>();
        await using (var api = ApiClient())
        {
            var client = api.GetRequiredService<IInteractionsClient>();
            // Warm-up (JIT tiers, connection pool), not measured.
            await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
            {
                await foreach (var evt in client.CreateStreamAsync(CreateInteractionRequest.Parse(Request(100, 0).GetRawText()))) { }
            })));
            _emulator.Recording = true;
            var tasks = new List<Task>();
            for (var i = 0; i < streams; i++)
            {
                tasks.Add(Task.Run(async () =>
                {
                    string? id = null;
                    long n = 0;
                    await foreach (var evt in client.CreateStreamAsync(CreateInteractionRequest.Parse(request.GetRawText())))
                    {
                        var now = Stopwatch.GetTimestamp();
                        if (evt is InteractionCreatedEvent created) id = created.Interaction.Id;
                        else if (evt is StepDeltaEvent && id is not null)
                        {
                            var written = _emulator.WriteTime(id, ++n);
                            if (written != 0) direct.Add(Stopwatch.GetElapsedTime(written, now).TotalMilliseconds);
                        }
                    }
                }));
                await Task.Delay(1);
            }
            await Task.WhenAll(tasks);
        }

        _emulator.DeltaWrites.Clear();
        var bridge = new ConcurrentBag<double>();
        long outOfOrder;
        long bridgeMessages;
        string bridgeCpu;
        await using (var downstream = await Downstream.StartAsync(_rabbit, Prefix, DownstreamPrefetch, _options.LatencyConsumerConcurrency))
        {
            // Warm-up of the worker, the broker and this consumer (JIT tiers), not measured.
            _emulator.Recording = false;
            await RunStreamsAsync(downstream, 50, Request(100, 0), TimeSpan.FromMinutes(2));
            await Task.Delay(500);
            _emulator.Recording = true;
            downstream.Recorder.OnChunk = (id, sequence, now) =>
            {
                var written = _emulator.WriteTime(id, sequence);
                if (written != 0) bridge.Add(Stopwatch.GetElapsedTime(written, now).TotalMilliseconds);
            };
            var cpu = CpuMeter.Start(worker);
            await RunStreamsAsync(downstream, streams, request, TimeSpan.FromMinutes(3), TimeSpan.FromMilliseconds(1));
            bridgeCpu = cpu.Report();
            bridgeMessages = downstream.Recorder.Messages;
            outOfOrder = downstream.Recorder.OutOfOrder;
        }
        _emulator.Recording = false;
        _emulator.DeltaWrites.Clear();

        var persistent = Persistent(WorkerSettings(null));
        var raw = await RawRabbit.LatencyAsync(_rabbit, Prefix + "raw", rate, TimeSpan.FromMilliseconds(chunks * delay), DownstreamPrefetch, persistent);
        // The emulator's streams tick together: a burst of one chunk per stream every `delay` ms. The same pattern, raw.
        var rawBursts = await RawRabbit.BurstLatencyAsync(_rabbit, Prefix + "raw-bursts", streams, TimeSpan.FromMilliseconds(delay), chunks, DownstreamPrefetch, persistent);
        var b = bridge.ToList();
        var d = direct.ToList();
        string P(List<double> v) => string.Create(Inv, $"{Stats.Percentile(v, 50):0.00} / {Stats.Percentile(v, 99):0.00} / {Stats.Percentile(v, 99.9):0.00} ms");
        var p50Over = Stats.Percentile(b, 50) - Stats.Percentile(d, 50);
        var p99Ratio = Stats.Percentile(b, 99) / Stats.Percentile(raw, 99);
        _rows.Add(new Row($"Added latency per chunk at {rate} chunks/s, p50 / p99 / p99.9", $"bridge {P(b)}", $"direct SSE {P(d)}",
            string.Create(Inv, $"p50 +{p50Over:0.00} ms"), "p50 ≤ direct + 2 ms", p50Over <= 2));
        _rows.Add(new Row("  … p99 against raw RabbitMQ at the same rate", string.Create(Inv, $"bridge p99 {Stats.Percentile(b, 99):0.00} ms"),
            $"raw {P(raw.ToList())} ({(persistent ? "persistent" : "transient")})",
            string.Create(Inv, $"{p99Ratio:0.00}×"), "p99 ≤ 2× raw", p99Ratio <= 2));
        var p99BurstRatio = Stats.Percentile(b, 99) / Stats.Percentile(rawBursts, 99);
        _rows.Add(new Row($"  … p99 against raw RabbitMQ in the same bursts ({streams} every {delay} ms)", string.Create(Inv, $"bridge p99 {Stats.Percentile(b, 99):0.00} ms"),
            $"raw bursts {P(rawBursts.ToList())}", string.Create(Inv, $"{p99BurstRatio:0.00}×"), "p99 ≤ 2× raw", p99BurstRatio <= 2));
        _rows.Add(new Row($"Out-of-order deltas, latency run consumer (limit {_options.LatencyConsumerConcurrency})", outOfOrder.ToString(Inv), "0", "", "0", outOfOrder == 0));
        _notes.Add($"latency: {b.Count} bridge chunk samples in {bridgeMessages} StepDelta messages, {d.Count} direct, {raw.Length} raw, {rawBursts.Length} raw in bursts; during the bridge run {bridgeCpu}");
    }

    /// <summary>The stages of a request's start in the worker, in the order they come (<c>messaging.worker.request_stage</c>).</summary>
    private static readonly string[] StartStages = ["received", "claimed", "admitted", "api_call", "first_event", "started_published", "first_delta_published"];

    /// <summary>Measures the time to first delta through the worker(s) running now; returns the p50 overhead over the direct client (ms).</summary>

    private async Task<double> TimeToFirstDeltaAsync(string label, WorkerProcess worker)
    {
        var samples = _options.TtfdSamples;
        var request = Request(5, 0);
        const int warmUp = 30; // not measured: connection pools, and the worker's code past its first JIT tier (a worker in service is warm)
        Phase($"time to first delta{label}: {samples} requests one at a time (after {warmUp} not measured), direct client then the bridge");
        var direct = new List<double>();
        await using (var api = ApiClient())
        {
            var client = api.GetRequiredService<IInteractionsClient>();
            for (var i = 0; i < samples + warmUp; i++)
            {
                var start = Stopwatch.GetTimestamp();
                double? first = null;
                await foreach (var evt in client.CreateStreamAsync(CreateInteractionRequest.Parse(request.GetRawText())))
                {
                    if (evt is StepDeltaEvent && first is null) first = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }
                if (i >= warmUp && first is { } f) direct.Add(f);
            }
        }
        var bridge = new List<double>();
        var toStarted = new List<double>();
        var toStepStarted = new List<double>();
        await using (var downstream = await Downstream.StartAsync(_rabbit, Prefix, DownstreamPrefetch, 1))
        {
            for (var i = 0; i < samples + warmUp; i++)
            {
                var id = Guid.NewGuid();
                var track = downstream.Recorder.Track(id);
                var start = Stopwatch.GetTimestamp();
                await downstream.Bus.Publish(new InteractionRequested { RequestId = id, Request = request });
                await track.Done.Task.WaitAsync(TimeSpan.FromSeconds(30));
                if (i < warmUp)
                {
                    if (i == warmUp - 1)
                    {
                        await Task.Delay(600); // the warm-up's stage lines are in: forget them
                        worker.Stages.Clear();
                    }
                    continue;
                }
                bridge.Add(Stopwatch.GetElapsedTime(start, track.FirstDelta).TotalMilliseconds);
                toStarted.Add(Stopwatch.GetElapsedTime(start, track.Started).TotalMilliseconds);
                toStepStarted.Add(Stopwatch.GetElapsedTime(start, track.FirstStepStarted).TotalMilliseconds);
            }
        }
        var over50 = Stats.Percentile(bridge, 50) - Stats.Percentile(direct, 50);
        var over99 = Stats.Percentile(bridge, 99) - Stats.Percentile(direct, 99);
        _rows.Add(new Row($"Time to first delta{label}, p50 / p99", string.Create(Inv, $"bridge {Stats.Percentile(bridge, 50):0.00} / {Stats.Percentile(bridge, 99):0.00} ms"),
            string.Create(Inv, $"direct {Stats.Percentile(direct, 50):0.00} / {Stats.Percentile(direct, 99):0.00} ms"),
            string.Create(Inv, $"+{over50:0.00} / +{over99:0.00} ms"), "p50 overhead ≤ 3 ms", over50 <= 3));
        var quorumHop = await RawRabbit.HopAsync(_rabbit, Prefix + "raw-hop-quorum", "quorum", samples);
        var classicHop = await RawRabbit.HopAsync(_rabbit, Prefix + "raw-hop-classic", "classic", samples);
        _notes.Add(string.Create(Inv, $"time to first delta{label}: one raw hop on this broker, one persistent message at a time (p50): quorum queue {Stats.Percentile(quorumHop.ToList(), 50):0.00} ms, classic {Stats.Percentile(classicHop.ToList(), 50):0.00} ms (the request crosses a quorum queue, the events the consumer's queue)"));
        await Task.Delay(600); // the worker's last stage lines
        var stages = string.Join(" → ", StartStages.Where(worker.Stages.ContainsKey)
            .Select(s => string.Create(Inv, $"{s} {Stats.Percentile(worker.Stages[s].ToList(), 50):0.00}")));
        _notes.Add(string.Create(Inv, $"time to first delta{label}, where it goes (medians, ms from the publish of InteractionRequested): in the worker {stages}; downstream InteractionStarted {Stats.Percentile(toStarted, 50):0.00}, the first StepStarted {Stats.Percentile(toStepStarted, 50):0.00}, the first StepDelta {Stats.Percentile(bridge, 50):0.00}"));
        return over50;
    }

    /// <summary>The heap .NET takes in the Kubernetes manifest's 1 GiB container (768 MiB): the footprint and memory phases run under it.</summary>
    private const string ContainerHeapLimit = "0x30000000";

    private async Task FootprintAsync(int streams)
    {
        var chunks = _options.FootprintChunks;
        var delay = _options.FootprintChunkDelayMs;
        Phase($"footprint: {streams} slow streams ({chunks} chunks, one per {delay} ms) on one worker process with a 768 MiB heap");
        var settings = new Dictionary<string, string>(WorkerSettings(maxStreams: streams)) { ["DOTNET_GCHeapHardLimit"] = ContainerHeapLimit };
        await using var worker = await WorkerProcess.StartAsync(settings);
        await Task.Delay(1000);
        var (idleRss, idleThreads) = worker.Sample();
        var idleHeap = worker.GcHeapBytes;

        await using var downstream = await Downstream.StartAsync(_rabbit, Prefix, DownstreamPrefetch, DownstreamPrefetch);
        var ids = Enumerable.Range(0, streams).Select(_ => Guid.NewGuid()).ToList();
        var run = RunStreamsAsync(downstream, streams, Request(chunks, delay), _options.FootprintPatience, requestIds: ids);
        var peak = await SampleUntilAsync(worker, run);
        await run.ContinueWith(static _ => { }, TaskScheduler.Default);
        var completed = ids.Count(id => downstream.Recorder.Track(id).Completed);
        var kbPerStream = peak.InFlight > 0 ? (peak.RssAtPeak - idleRss) / 1024.0 / peak.InFlight : double.NaN;
        var ok = completed == streams && peak.InFlight >= streams && kbPerStream <= 64 && peak.MaxThreads <= 50;
        _rows.Add(new Row($"Footprint, {streams:N0} concurrent slow streams, 768 MiB heap",
            string.Create(Inv, $"{completed}/{streams} completed, peak {peak.InFlight} in flight; RSS {peak.RssAtPeak / 1048576.0:0} MB (max {peak.MaxRss / 1048576.0:0}), {peak.MaxThreads} threads, GC heap {peak.HeapAtPeak / 1048576.0:0} MB"),
            string.Create(Inv, $"idle RSS {idleRss / 1048576.0:0} MB, {idleThreads} threads, GC heap {idleHeap / 1048576.0:0} MB"),
            string.Create(Inv, $"{kbPerStream:0.0} KB/stream"), "all at once and complete, ≤ 64 KB/stream, ≤ 50 threads", ok));
        if (!run.IsCompletedSuccessfully) throw new TimeoutException($"footprint: {completed} of {streams} streams completed in {_options.FootprintPatience.TotalMinutes:0} min");
    }

    /// <summary>
    /// Small slow streams and large requests published together to one worker under the container's heap limit: the
    /// small ones all run at once, the large ones run as the memory budget allows, and the process never runs out.
    /// </summary>
    private async Task MixedAsync()
    {
        var (small, large) = (_options.MixedSmallStreams, _options.MixedLargeRequests);
        Phase($"mixed: {small} slow streams + {large} × {MixedLargeMegabytes} MB requests at once on one worker with a 768 MiB heap");
        var settings = new Dictionary<string, string>(WorkerSettings(maxStreams: small)) { ["DOTNET_GCHeapHardLimit"] = ContainerHeapLimit };
        await using var worker = await WorkerProcess.StartAsync(settings);
        await Task.Delay(1000);
        var (idleRss, _) = worker.Sample();
        await using var downstream = await Downstream.StartAsync(_rabbit, Prefix, DownstreamPrefetch, DownstreamPrefetch);
        var largeIds = Enumerable.Range(0, large).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in largeIds) downstream.Recorder.Track(id);
        var smallIds = Enumerable.Range(0, small).Select(_ => Guid.NewGuid()).ToList();
        var run = RunStreamsAsync(downstream, small, Request(_options.FootprintChunks, _options.FootprintChunkDelayMs), _options.FootprintPatience, requestIds: smallIds);
        await Task.WhenAll(largeIds.Select(id => downstream.Bus.Publish(new InteractionRequested { RequestId = id, Request = LargeRequest(id, MixedLargeMegabytes) })));
        var largeDone = Task.WhenAll(largeIds.Select(id => downstream.Recorder.Track(id).Done.Task)).WaitAsync(_options.FootprintPatience);
        var both = Task.WhenAll(run, largeDone);
        var peak = await SampleUntilAsync(worker, both);
        var completed = smallIds.Concat(largeIds).Count(id => downstream.Recorder.Track(id).Completed);
        var alive = !worker.HasExited;
        var ok = alive && completed == small + large && peak.InFlight >= small;
        _rows.Add(new Row($"Mixed, {small:N0} slow streams + {large} × {MixedLargeMegabytes} MB, 768 MiB heap",
            string.Create(Inv, $"{completed}/{small + large} completed, peak {peak.InFlight} in flight; RSS max {peak.MaxRss / 1048576.0:0} MB, managed at most {peak.MaxManaged / 1048576.0:0} MB, {peak.MaxThreads} threads; worker {(alive ? "alive" : "DIED")}"),
            string.Create(Inv, $"idle RSS {idleRss / 1048576.0:0} MB"),
            "—", "all complete, the small ones all at once, no out-of-memory", ok));
        await both.ContinueWith(_ => { }, TaskScheduler.Default);
        if (!both.IsCompletedSuccessfully) throw new TimeoutException($"mixed: {completed} of {small + large} completed");
    }

    private const int MixedLargeMegabytes = 15;

    private sealed record Peak(long InFlight, long RssAtPeak, long HeapAtPeak, long MaxRss, long MaxManaged, int MaxThreads);

    /// <summary>Samples the worker every 250 ms until <paramref name="run"/> ends; the figures at the peak of streams in flight.</summary>
    private static async Task<Peak> SampleUntilAsync(WorkerProcess worker, Task run)
    {
        long peakInFlight = 0, rssAtPeak = 0, heapAtPeak = 0, maxRss = 0, maxManaged = 0;
        var maxThreads = 0;
        while (!run.IsCompleted && !worker.HasExited)
        {
            await Task.WhenAny(run, Task.Delay(250));
            var (rss, threads) = worker.Sample();
            maxRss = Math.Max(maxRss, rss);
            maxThreads = Math.Max(maxThreads, threads);
            maxManaged = Math.Max(maxManaged, worker.ManagedBytes);
            if (worker.InFlight >= peakInFlight)
            {
                peakInFlight = worker.InFlight;
                rssAtPeak = rss;
                heapAtPeak = worker.GcHeapBytes;
            }
        }
        return new Peak(peakInFlight, rssAtPeak, heapAtPeak, maxRss, maxManaged, maxThreads);
    }

    private async Task ReplicasAsync()
    {
        var results = new List<(int Replicas, double ChunksPerSecond, long[] Handled)>();
        foreach (var replicas in _options.Replicas)
        {
            Phase($"replicas: {replicas} worker process(es), {_options.ReplicaStreams} streams × {_options.ReplicaChunks} chunks");
            var settings = WorkerSettings(maxStreams: null);
            var workers = new List<WorkerProcess>();
            try
            {
                for (var i = 0; i < replicas; i++) workers.Add(await WorkerProcess.StartAsync(settings));
                await using var downstream = await Downstream.StartAsync(_rabbit, Prefix, DownstreamPrefetch, DownstreamPrefetch);
                var (elapsed, _) = await RunStreamsAsync(downstream, _options.ReplicaStreams, Request(_options.ReplicaChunks, 0), TimeSpan.FromMinutes(3));
                await Task.Delay(600); // the last stats line
                results.Add((replicas, downstream.Recorder.Chunks / elapsed.TotalSeconds, workers.Select(w => w.Handled).ToArray()));
            }
            finally
            {
                foreach (var w in workers) await w.DisposeAsync();
            }
        }
        var one = results[0].ChunksPerSecond;
        foreach (var (replicas, cps, handled) in results)
        {
            var spread = handled.Length > 1 && handled.Min() > 0 ? (double)handled.Max() / handled.Min() : 1;
            _rows.Add(new Row($"Replicas: {replicas}", string.Create(Inv, $"{cps:N0} chunks/s; requests per replica {string.Join(" / ", handled)}"),
                string.Create(Inv, $"1 replica {one:N0} chunks/s"), string.Create(Inv, $"{cps / one:0.00}×, max/min {spread:0.00}"), "even spread (report)", null));
        }
    }

    private ServiceProvider ApiClient()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Interactions:BaseUrl"] = _emulator.BaseAddress.ToString(), ["Interactions:ApiKey"] = "benchmark",
        }).Build());
        services.AddLogging();
        services.AddInteractionsClient();
        return services.BuildServiceProvider();
    }

    private static void Phase(string what) => AnsiConsole.MarkupLine($"[blue]{DateTime.UtcNow:HH:mm:ss}[/] {Markup.Escape(what)}");

    private void Print()
    {
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumns("figure", "measured", "same-run baseline", "ratio", "target", "met");
        foreach (var row in _rows)
            table.AddRow(Markup.Escape(row.Figure), Markup.Escape(row.Measured), Markup.Escape(row.Baseline), Markup.Escape(row.Ratio), Markup.Escape(row.Target),
                row.Met switch { true => "[green]yes[/]", false => "[red]no[/]", null => "—" });
        AnsiConsole.Write(table);
        foreach (var note in _notes) AnsiConsole.MarkupLine($"[grey]{Markup.Escape(note)}[/]");
    }

    private string Markdown(string machine, DateTime started, DateTime ended)
    {
        var md = new StringBuilder();
        md.AppendLine(Inv, $"# Benchmark results, {started:yyyy-MM-dd HH:mm} UTC ({(_options.Quick ? "quick" : "full")} run, {(ended - started).TotalSeconds:0} s)");
        md.AppendLine();
        var extra = _options.WorkerSettings.Count == 0 ? "none (the shipped defaults)" : string.Join(", ", _options.WorkerSettings.Select(kv => $"`{kv.Key}={kv.Value}`"));
        md.AppendLine(Inv, $"Command: `dotnet run -c Release --project bench/Messaging.Benchmarks{(_options.Arguments.Length > 0 ? " -- " + _options.Arguments : "")}`. Worker settings beyond the emulator and broker: {extra}.");
        md.AppendLine();
        md.AppendLine("| figure | measured | same-run baseline | ratio | target | met |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var row in _rows)
            md.AppendLine(Inv, $"| {row.Figure.Trim()} | {row.Measured} | {row.Baseline} | {row.Ratio} | {row.Target} | {(row.Met switch { true => "yes", false => "**no**", null => "—" })} |");
        md.AppendLine();
        foreach (var note in _notes) md.AppendLine(Inv, $"- {note}");
        md.AppendLine();
        md.AppendLine("## Machine");
        md.AppendLine();
        md.AppendLine("```");
        md.AppendLine(machine.TrimEnd());
        md.AppendLine("```");
        return md.ToString();
    }

    private static async Task<string> MachineAsync(Uri rabbit)
    {
        var text = new StringBuilder();
        text.AppendLine(Inv, $".NET: {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        try
        {
            text.AppendLine(Inv, $"RabbitMQ: {await RawRabbit.ServerVersionAsync(rabbit)}");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            text.AppendLine(Inv, $"RabbitMQ: unknown ({ex.Message})");
        }
        var mem = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal)) : null;
        text.AppendLine(Inv, $"Memory: {mem?.Split(':')[1].Trim() ?? "unknown"}");
        text.AppendLine(Run("lscpu", ""));
        return text.ToString();
    }

    private static string Run(string file, string args)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return output;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"{file}: {ex.Message}";
        }
    }

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Messaging.sln"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }

    private static string StartRabbit(string root)
    {
        var output = Run(Path.Combine(root, "infra", "start-rabbitmq.sh"), "").Trim();
        if (!output.StartsWith("amqp://", StringComparison.Ordinal)) throw new InvalidOperationException($"infra/start-rabbitmq.sh did not give a URL: {output}");
        return output;
    }

    /// <summary>Removes what earlier runs left under the benchmark's prefix, so every run starts from empty queues.</summary>
    private static async Task CleanBrokerAsync(Uri rabbit)
    {
        await using var connection = await new ConnectionFactory { Uri = rabbit }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        // The worker's queues (an earlier version may have declared them with other arguments), the benchmark's own.
        string[] names = ["interaction-requested", "interaction-requested-poison", "interaction-cancels", "conversation-state", "conversation-state-poison",
            "conversation-cancel-router", "downstream", "raw"];
        foreach (var q in names.SelectMany(n => new[] { n, n + "_error", n + "_skipped" }))
        {
            await channel.QueueDeleteAsync(Prefix + q);
            await channel.ExchangeDeleteAsync(Prefix + q);
        }
        foreach (var type in typeof(InteractionRequested).Assembly.GetExportedTypes().Where(t => t.Namespace == "Messaging.Contracts"))
            await channel.ExchangeDeleteAsync($"{Prefix}Messaging.Contracts:{type.Name}");
    }
}
