using System.Diagnostics;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Faults;

/// <summary>
/// Fault category: a replica stopped with SIGTERM (a rolling deploy, a scale-down) drains. It takes no new requests, lets
/// its streams finish within <c>Worker:DrainTimeout</c>, and hands the rest over through their checkpoints: the next
/// replica resumes them at once (the lease is released), nothing runs twice. Each replica calls the API with its own key,
/// so the emulator tells who created and who resumed what.
/// </summary>
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
[Trait("Category", "Fault")]
[Collection(FaultTests.Name)]
public sealed class DrainTests
{
    private const int Streams = 20;
    private const int Arriving = 10;
    private const string Draining = "key-draining";
    private const string Staying = "key-staying";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_terminated_replica_finishes_its_streams_within_the_grace_and_takes_no_new_requests()
    {
        await using var rig = await FaultRig.StartAsync(replicas: 0, Ct);
        var draining = await rig.StartWorkerAsync(Ct, Key(Draining));
        var ids = await StartStreamsAsync(rig, chunks: 30); // 3 s each: well within the default grace
        await rig.StartWorkerAsync(Ct, Key(Staying));
        var held = ids.Count(id => CreatedWith(rig, id) == Draining);

        var clock = Stopwatch.StartNew();
        draining.Terminate();
        await Task.Delay(300, Ct); // the replica has stopped taking requests
        var arriving = Enumerable.Range(0, Arriving).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in arriving) await rig.PublishAsync(id, FaultRig.SlowRequest(id, chunks: 5, delayMs: 50));
        var exited = await draining.WaitForExitAsync(TimeSpan.FromSeconds(60), Ct);
        var exitSeconds = clock.Elapsed.TotalSeconds;

        var all = ids.Concat(arriving).ToList();
        var finished = await rig.Events.WaitAsync(all, TimeSpan.FromSeconds(60), Ct);
        var report = RequestTally.Of(rig, all);
        var arrivingOnDraining = arriving.Count(id => CreatedWith(rig, id) == Draining);
        var (resumes, _) = rig.StreamReads();
        FaultReport.Print($"[fault] SIGTERM during {Streams} streams of 3 s ({held} on the draining replica), {Arriving} requests arriving: " +
            $"exited {(exited ? $"after {exitSeconds:0.0} s with code {draining.ExitCode}" : "no")}, arriving requests it took {arrivingOnDraining}, " +
            $"streams handed over (resumed) {resumes}, {report}");

        Assert.True(held > 0, "the draining replica held no stream");
        Assert.True(exited, "the replica did not exit within 60 s");
        Assert.Equal(0, draining.ExitCode);
        Assert.True(finished, "a request has no final event");
        Assert.Equal(0, arrivingOnDraining);
        Assert.Equal(0, resumes); // every stream finished where it ran
        report.AssertClean();
    }

    [Fact]
    public async Task Streams_longer_than_the_grace_are_handed_over_through_their_checkpoints_and_resumed_at_once()
    {
        await using var rig = await FaultRig.StartAsync(replicas: 0, Ct);
        var grace = TimeSpan.FromSeconds(1);
        var draining = await rig.StartWorkerAsync(Ct, new Dictionary<string, string?>(Key(Draining)) { ["Worker:DrainTimeout"] = "00:00:01" });
        var ids = await StartStreamsAsync(rig, chunks: 80); // 8 s each: longer than the grace
        await rig.StartWorkerAsync(Ct, Key(Staying));
        var held = ids.Count(id => CreatedWith(rig, id) == Draining);

        var terminatedAt = DateTimeOffset.UtcNow;
        draining.Terminate();
        var exited = await draining.WaitForExitAsync(TimeSpan.FromSeconds(30), Ct);
        var exitSeconds = (DateTimeOffset.UtcNow - terminatedAt).TotalSeconds;
        var finished = await rig.Events.WaitAsync(ids, TimeSpan.FromSeconds(60), Ct);
        var report = RequestTally.Of(rig, ids);
        var resumed = rig.Emulator.Requests
            .Where(r => r.Method == "GET" && r.QueryString.Contains("last_event_id", StringComparison.Ordinal) && KeyOf(r) == Staying).ToList();
        var handOver = resumed.Count == 0 ? 0 : resumed.Max(r => (r.ReceivedAt - terminatedAt).TotalSeconds);
        FaultReport.Print($"[fault] SIGTERM with a {grace.TotalSeconds:0} s grace during {Streams} streams of 8 s ({held} on the draining replica): " +
            $"exited {(exited ? $"after {exitSeconds:0.0} s with code {draining.ExitCode}" : "no")}, resumed by the other replica {resumed.Count} " +
            $"(the last {handOver:0.0} s after SIGTERM), {report}");

        Assert.True(held > 0, "the draining replica held no stream");
        Assert.True(exited, "the replica did not exit within 30 s");
        Assert.Equal(0, draining.ExitCode);
        Assert.True(finished, "a request has no final event");
        Assert.Equal(held, resumed.Count); // each stream it held, resumed once by the other one
        report.AssertClean();
    }

    private static Dictionary<string, string?> Key(string key) => new() { ["Interactions:ApiKey"] = key };

    private static async Task<List<Guid>> StartStreamsAsync(FaultRig rig, int chunks)
    {
        var ids = Enumerable.Range(0, Streams).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in ids) await rig.PublishAsync(id, FaultRig.SlowRequest(id, chunks, delayMs: 100));
        await rig.Events.FirstDeltaAsync(ids, Ct);
        return ids;
    }

    private static string? KeyOf(Messaging.Emulator.RecordedRequest request) =>
        request.Headers.TryGetValue("x-goog-api-key", out var key) ? key : null;

    /// <summary>The API key of the replica that created the request's interaction.</summary>
    private static string? CreatedWith(FaultRig rig, Guid requestId) => rig.Emulator.Requests
        .Where(r => r.Method == "POST" && r.Path.EndsWith("/interactions", StringComparison.Ordinal) && r.Body.Contains(requestId.ToString(), StringComparison.Ordinal))
        .Select(KeyOf).FirstOrDefault();
}
