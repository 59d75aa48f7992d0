using System.Diagnostics;
using System.Net;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Faults;

/// <summary>
/// Fault category: the broker goes away while streams run — its application stopped for 5 s (connections drop, the node
/// stays), or the whole node restarted — on a node of the test's own. Nothing is lost or runs twice, and each replica's
/// readiness says the bus is down while it is, and healthy again soon after it is back.
/// </summary>
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
[Trait("Category", "Fault")]
[Collection(FaultTests.Name)]
public sealed class BrokerOutageTests
{
    private const int Streams = 20;
    private const int Port = 5681;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public Task Stopping_the_broker_application_for_5_seconds_loses_nothing_and_runs_nothing_twice() =>
        RunAsync("stop_app / start_app 5 s", node => node.StopAppAsync(), async node =>
        {
            await Task.Delay(TimeSpan.FromSeconds(5), Ct);
            await node.StartAppAsync();
        });

    [Fact]
    public Task Restarting_the_broker_node_loses_nothing_and_runs_nothing_twice() =>
        RunAsync("node restart", node => node.StopNodeAsync(), node => node.StartNodeAsync());

    /// <param name="stop">Takes the broker away; it is away once this returns.</param>
    /// <param name="start">Brings it back; it answers once this returns.</param>
    private static async Task RunAsync(string outage, Func<PrivateRabbitNode, Task> stop, Func<PrivateRabbitNode, Task> start)
    {
        await using var node = await PrivateRabbitNode.StartAsync(Port);
        await using var rig = await FaultRig.StartAsync(replicas: 2, Ct, broker: node.Url);
        var probes = rig.Workers.Select(w => new ReadinessProbe(w.BaseAddress!)).ToList();
        try
        {
            var ids = Enumerable.Range(0, Streams).Select(_ => Guid.NewGuid()).ToList();
            foreach (var id in ids) await rig.PublishAsync(id, FaultRig.SlowRequest(id, chunks: 100, delayMs: 100));
            await rig.Events.FirstDeltaAsync(ids, Ct);
            await Task.Delay(1000, Ct); // the probes have seen the bus healthy

            await stop(node);
            var down = Stopwatch.GetTimestamp();
            await start(node);
            var up = Stopwatch.GetTimestamp();

            var finished = await rig.Events.WaitAsync(ids, TimeSpan.FromSeconds(90), Ct);
            var lost = ids.Count(id => rig.Events.DistinctFinals(id) == 0);
            var twice = ids.Count(id => rig.Events.DistinctFinals(id) > 1);
            var reRuns = ids.Sum(rig.CreatesOf) - ids.Count;
            var wrongText = ids.Count(id => !rig.Events.ShowsOutputText(id));
            var (resumes, _) = rig.StreamReads();
            // Readiness while the broker was away (its first half second aside: the probes' last answers were on their way).
            var during = probes.SelectMany(p => p.Between(down + Stopwatch.Frequency / 2, up - Stopwatch.Frequency / 2)).ToList();
            var readyDuring = during.Count(s => s == HttpStatusCode.OK);
            var healthyAfter = probes.Select(p => p.FirstHealthyAfter(up) is { } at ? Stopwatch.GetElapsedTime(up, at).TotalSeconds : double.NaN).ToList();
            FaultReport.Print($"[fault] broker {outage} during {Streams} streams of 10 s on 2 replicas: lost {lost}, more than one final event {twice}, " +
                $"re-runs {reRuns}, stream resumes {resumes}, text different from outputText {wrongText}; readiness during the outage: " +
                $"{during.Count(s => s == HttpStatusCode.ServiceUnavailable)} × 503, {readyDuring} × 200, {during.Count(s => s is null)} unanswered of {during.Count}; " +
                $"healthy again after the broker was back: {string.Join(" / ", healthyAfter.Select(s => $"{s:0.0} s"))}");

            Assert.True(finished, $"{lost} requests have no final event");
            Assert.Equal(0, twice);
            Assert.Equal(0, reRuns);
            Assert.Equal(0, wrongText);
            Assert.True(during.Count > 0, "the probes saw nothing of the outage");
            Assert.Equal(0, readyDuring);
            Assert.All(healthyAfter, s => Assert.False(double.IsNaN(s), "a replica never became healthy again"));
        }
        finally
        {
            foreach (var probe in probes) await probe.DisposeAsync();
        }
    }
}
