using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Messaging.Contracts;

namespace Messaging.Benchmarks;

/// <summary>
/// The phases with checkpoints in PostgreSQL, as replicas run: what they cost (throughput and time to first delta against
/// the memory store of the single-process default, database transactions per request and per second), and a replica
/// killed under load (how long until its streams go on elsewhere, how much of them is repeated).
/// </summary>
internal sealed partial class Suite
{
    private const int TakeoverChunks = 40;
    private const int TakeoverChunkDelayMs = 100;

    private Dictionary<string, string> CheckpointedWorkerSettings()
    {
        var settings = WorkerSettings(maxStreams: null);
        foreach (var (key, value) in _database!.WorkerSettings()) settings[key] = value;
        return settings;
    }

    private async Task CheckpointsAsync()
    {
        var settings = CheckpointedWorkerSettings();
        const string label = " (PostgreSQL checkpoints)";
        var before = await _database!.CountersAsync();
        var clock = Stopwatch.StartNew();
        await using (var worker = await WorkerProcess.StartAsync(settings))
        {
            await ThroughputAsync(worker, "PostgreSQL checkpoints", settings, 1.5);
        }
        var seconds = clock.Elapsed.TotalSeconds;
        await Task.Delay(500); // the worker's connections closed: its statistics are in
        var after = await _database.CountersAsync();
        var requests = _options.ThroughputStreams + _options.ThroughputWarmUpStreams;
        _notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"checkpoints in PostgreSQL, throughput run ({requests} requests with the warm-up, {seconds:0.0} s with the worker's start and stop): {after.Transactions - before.Transactions} database transactions ({(after.Transactions - before.Transactions) / (double)requests:0.0} per request, {(after.Transactions - before.Transactions) / seconds:0} per second), {after.Rows - before.Rows} checkpoint rows written"));

        _ttfdOverheadP50 ??= await MemoryStoreTimeToFirstDeltaAsync();
        double overhead;
        await using (var worker = await WorkerProcess.StartAsync(settings))
        {
            overhead = await TimeToFirstDeltaAsync(label, worker);
        }
        var rise = overhead - _ttfdOverheadP50.Value;
        _rows.Add(new Row("  … time to first delta: PostgreSQL checkpoints against the memory store", string.Create(CultureInfo.InvariantCulture, $"p50 overhead +{overhead:0.00} ms"),
            string.Create(CultureInfo.InvariantCulture, $"memory store +{_ttfdOverheadP50:0.00} ms"), string.Create(CultureInfo.InvariantCulture, $"{rise:+0.00;-0.00} ms"), "rise ≤ 1 ms", rise <= 1));
    }

    private async Task<double> MemoryStoreTimeToFirstDeltaAsync()
    {
        await using var worker = await WorkerProcess.StartAsync(WorkerSettings(maxStreams: null));
        return await TimeToFirstDeltaAsync("", worker);
    }

    private async Task TakeoverAsync()
    {
        var streams = _options.TakeoverStreams;
        Phase($"takeover: {streams} slow streams ({TakeoverChunks} chunks, one per {TakeoverChunkDelayMs} ms) on 2 replicas checkpointing in PostgreSQL, one killed (SIGKILL) mid-stream; the shipped lease");
        var settings = CheckpointedWorkerSettings();
        var before = await _database!.CountersAsync();
        var clock = Stopwatch.StartNew();
        await using var survivor = await WorkerProcess.StartAsync(settings);
        await using var victim = await WorkerProcess.StartAsync(settings);
        List<Guid> ids;
        long killed;
        var firstResumed = new ConcurrentDictionary<string, long>();
        await using (var downstream = await Downstream.StartAsync(_rabbit, Prefix, DownstreamPrefetch, DownstreamPrefetch))
        {
            _emulator.Resumes.Clear();
            downstream.Recorder.OnChunk = (interaction, _, now) =>
            {
                if (_emulator.Resumes.TryGetValue(interaction, out var resumed) && now > resumed) firstResumed.TryAdd(interaction, now);
            };
            var request = Request(TakeoverChunks, TakeoverChunkDelayMs, "Tell me about rivers");
            ids = Enumerable.Range(0, streams).Select(_ => Guid.NewGuid()).ToList();
            foreach (var id in ids)
            {
                downstream.Recorder.Track(id);
                await downstream.Bus.Publish(new InteractionRequested { RequestId = id, Request = request });
            }
            var started = Stopwatch.StartNew();
            while (ids.Any(id => downstream.Recorder.Track(id).FirstDelta == 0) && started.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(20);
            await Task.Delay(TakeoverChunks * TakeoverChunkDelayMs / 3); // about a third into the streams
            killed = Stopwatch.GetTimestamp();
            victim.Kill();
            var all = Task.WhenAll(ids.Select(id => downstream.Recorder.Track(id).Done.Task));
            if (await Task.WhenAny(all, Task.Delay(TimeSpan.FromMinutes(2))) != all)
                throw new TimeoutException($"{ids.Count(id => !downstream.Recorder.Track(id).Done.Task.IsCompleted)} of {streams} streams did not finish after the kill");
            await Task.Delay(300); // stragglers: a second final event would show now

            var tracks = ids.Select(downstream.Recorder.Track).ToList();
            var completed = tracks.Count(t => t.Completed);
            var moreThanOneFinal = tracks.Count(t => t.Finals > 1);
            var repeated = tracks.Sum(t => t.Chunks - (t.NextSequence - 1)); // chunks received again (replays after the checkpoint)
            var resumes = _emulator.Resumes.ToDictionary();
            var toResume = resumes.Values.Select(t => Stopwatch.GetElapsedTime(killed, t).TotalMilliseconds).ToList();
            var toDelta = firstResumed.Select(kv => Stopwatch.GetElapsedTime(resumes[kv.Key], kv.Value).TotalMilliseconds).ToList();
            var total = firstResumed.Values.Select(t => Stopwatch.GetElapsedTime(killed, t).TotalMilliseconds).ToList();
            var leaseWaits = survivor.LeaseWaits.ToList();
            var windows = survivor.CreateWindows.Concat(victim.CreateWindows).ToList();
            await survivor.DisposeAsync(); // their connections close: the database's statistics are complete
            await victim.DisposeAsync();
            var seconds = clock.Elapsed.TotalSeconds;
            await Task.Delay(500);
            var after = await _database.CountersAsync();
            var transactions = after.Transactions - before.Transactions;

            string P(List<double> v) => v.Count == 0 ? "none" : string.Create(CultureInfo.InvariantCulture, $"{Stats.Percentile(v, 50):0} / {Stats.Percentile(v, 99):0} ms");
            _rows.Add(new Row("Takeover after a SIGKILL: redelivery → first resumed delta, p50 / p99", $"{P(total)} ({firstResumed.Count} streams resumed)",
                $"lease wait {P(leaseWaits)}; resume request → first resumed delta {P(toDelta)}", "", "report", null));
            _rows.Add(new Row("  … what the takeover repeated and lost", string.Create(CultureInfo.InvariantCulture,
                $"{completed}/{streams} completed, {moreThanOneFinal} with more than one final event, {repeated} chunks delivered again ({(firstResumed.IsEmpty ? 0 : (double)repeated / firstResumed.Count):0.0} per resumed stream)"),
                "", "", "all complete, 1 final event each", completed == streams && moreThanOneFinal == 0));
            _rows.Add(new Row("  … checkpoint cost in PostgreSQL", string.Create(CultureInfo.InvariantCulture,
                $"{transactions} transactions: {transactions / (double)streams:0.0} per request, {transactions / seconds:0} per second; {after.Rows - before.Rows} rows written"),
                "", "", "report", null));
            _notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"takeover: the kill came {TakeoverChunks * TakeoverChunkDelayMs / 3} ms after every stream's first delta; kill → the survivor's resume request {P(toResume)} (the broker redelivers at once, the survivor waits for the dead replica's lease: `Checkpoints:Lease`, 5 s by default, renewed with every progress write); create window (API named the interaction → its id recorded) {P(windows)} over {windows.Count} interactions; the phase took {seconds:0.0} s with the replicas' start and stop"));
        }
    }
}
