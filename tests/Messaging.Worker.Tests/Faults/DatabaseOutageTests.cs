using Messaging.Contracts;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Faults;

/// <summary>
/// Fault category: the checkpoint database goes away for longer than a lease while streams run and new requests arrive.
/// What the README promises: running streams go on, new requests and ending ones wait (unacknowledged) until it answers,
/// nothing is lost, nothing runs twice, and no replica loses a request it still runs.
/// </summary>
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
[Trait("Category", "Fault")]
[Collection(FaultTests.Name)]
public sealed class DatabaseOutageTests
{
    private const int Running = 30;
    private const int Arriving = 10;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(5); // the rig's lease is 2 s

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task While_the_database_is_unreachable_streams_go_on_and_new_and_ending_requests_wait_for_it()
    {
        await using var rig = await FaultRig.StartAsync(replicas: 2, Ct, databaseProxy: true);
        var proxy = rig.DatabaseProxy!;
        var running = Enumerable.Range(0, Running).Select(_ => Guid.NewGuid()).ToList();
        var arriving = Enumerable.Range(0, Arriving).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in running) await rig.PublishAsync(id, FaultRig.SlowRequest(id, chunks: 30, delayMs: 100));
        await rig.Events.FirstDeltaAsync(running, Ct);

        proxy.Cut();
        var deltasAtCut = running.Sum(DeltasOf);
        foreach (var id in arriving) await rig.PublishAsync(id, FaultRig.SlowRequest(id, chunks: 10, delayMs: 50));
        await Task.Delay(Outage, Ct); // the running streams' API streams end within it (30 × 100 ms)
        var deltasDuringOutage = running.Sum(DeltasOf) - deltasAtCut;
        var finalsDuringOutage = running.Concat(arriving).Sum(rig.Events.DistinctFinals);
        var arrivingEventsDuringOutage = arriving.Sum(id => rig.Events.Of(id).Count);
        var refused = proxy.Refused;
        proxy.Restore();

        var all = running.Concat(arriving).ToList();
        var finished = await rig.Events.WaitAsync(all, TimeSpan.FromSeconds(60), Ct);
        var tally = RequestTally.Of(rig, all);
        var logs = rig.Workers.SelectMany(w => w.Lines).ToList();
        var storeFaults = logs.Count(l => l.Contains("checkpoint store did not answer", StringComparison.Ordinal) ||
            l.Contains("Checkpoints could not be written", StringComparison.Ordinal));
        var ownershipLost = logs.Count(l => l.Contains("no longer owned by this replica", StringComparison.Ordinal) ||
            l.Contains("was taken over by another replica", StringComparison.Ordinal));
        FaultReport.Print($"[fault] database unreachable {Outage.TotalSeconds:0} s (lease 2 s) during {Running} streams, {Arriving} requests arriving: " +
            $"deltas published during the outage {deltasDuringOutage}, final events during it {finalsDuringOutage}, events of the arriving requests " +
            $"during it {arrivingEventsDuringOutage}, connections refused {refused}, store faults logged {storeFaults}; after it: {tally}, " +
            $"ownership lost {ownershipLost}");

        Assert.True(refused > 0 && storeFaults > 0, "the replicas did not feel the outage");
        Assert.True(deltasDuringOutage > 0, "running streams stopped with the database");
        Assert.Equal(0, finalsDuringOutage); // an end is recorded before it is published
        Assert.Equal(0, arrivingEventsDuringOutage); // a request is claimed before the API is called
        Assert.True(finished, $"{tally.Lost} requests have no final event");
        tally.AssertClean();
        Assert.Equal(0, ownershipLost);

        int DeltasOf(Guid id) => rig.Events.Of(id).Count(e => e.Message is StepDelta);
    }
}
