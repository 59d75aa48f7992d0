using System.Diagnostics;
using System.Net;
using Messaging.Contracts;
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
    private static readonly string[] CancelMessageType = ["urn:message:Messaging.Contracts:CancelInteraction"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public Task Stopping_the_broker_application_for_5_seconds_loses_nothing_and_runs_nothing_twice() =>
        RunAsync("stop_app / start_app 5 s", node => node.StopAppAsync(), TimeSpan.FromSeconds(5), node => node.StartAppAsync());

    [Fact]
    public Task Restarting_the_broker_node_loses_nothing_and_runs_nothing_twice() =>
        RunAsync("node restart (3 s down)", node => node.StopNodeAsync(), TimeSpan.FromSeconds(3), node => node.StartNodeAsync());

    [Fact]
    public async Task A_cancel_published_as_the_broker_comes_back_before_the_replicas_reconnect_still_cancels_its_stream()
    {
        await using var node = await PrivateRabbitNode.StartAsync(Port);
        await using var rig = await FaultRig.StartAsync(replicas: 2, Ct, broker: node.Url);
        var id = Guid.NewGuid();
        await rig.PublishAsync(id, FaultRig.SlowRequest(id, chunks: 150, delayMs: 100));
        await rig.Events.FirstDeltaAsync([id], Ct);

        await node.StopAppAsync();
        await node.StartAppAsync();
        // At once, on a connection of its own: the replicas' temporary control queues went with the broker's application
        // and are not declared again yet; only the durable cancels' queue is bound.
        var back = Stopwatch.GetTimestamp();
        await PublishCancelAsync(node.Url, rig.Prefix, id);
        var publishedAfter = Stopwatch.GetElapsedTime(back);

        Assert.True(await rig.Events.WaitAsync([id], TimeSpan.FromSeconds(60), Ct));
        var finals = rig.Events.Finals(id).Select(m => m.GetType().Name).ToList();
        FaultReport.Print($"[fault] a cancel published {publishedAfter.TotalMilliseconds:0} ms after the broker was back, before the replicas reconnected: " +
            $"final events {string.Join(", ", finals)}, API creates {rig.CreatesOf(id)}");
        Assert.Equal(nameof(InteractionCancelled), Assert.Single(finals));
        Assert.Equal(1, rig.CreatesOf(id));
    }

    /// <summary>A <c>CancelInteraction</c> in MassTransit's envelope, published with RabbitMQ.Client and confirmed by the broker.</summary>
    private static async Task PublishCancelAsync(Uri broker, string prefix, Guid requestId)
    {
        await using var connection = await new RabbitMQ.Client.ConnectionFactory { Uri = broker }.CreateConnectionAsync(Ct);
        await using var channel = await connection.CreateChannelAsync(new RabbitMQ.Client.CreateChannelOptions(true, true), Ct);
        var envelope = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["messageId"] = Guid.NewGuid(),
            ["messageType"] = CancelMessageType,
            ["message"] = new Dictionary<string, object> { ["requestId"] = requestId },
        });
        var properties = new RabbitMQ.Client.BasicProperties { ContentType = "application/vnd.masstransit+json", DeliveryMode = RabbitMQ.Client.DeliveryModes.Persistent };
        await channel.BasicPublishAsync($"{prefix}Messaging.Contracts:CancelInteraction", "", false, properties, envelope, Ct);
    }

    /// <param name="stop">Takes the broker away; it is away once this returns.</param>
    /// <param name="down">How long it stays away before <paramref name="start"/> is called.</param>
    /// <param name="start">Brings it back; it answers once this returns.</param>
    private static async Task RunAsync(string outage, Func<PrivateRabbitNode, Task> stop, TimeSpan down, Func<PrivateRabbitNode, Task> start)
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
            var stopped = Stopwatch.GetTimestamp();
            await Task.Delay(down, Ct);
            var starting = Stopwatch.GetTimestamp(); // the last moment the broker is surely away
            await start(node);
            var up = Stopwatch.GetTimestamp();

            var finished = await rig.Events.WaitAsync(ids, TimeSpan.FromSeconds(90), Ct);
            // Every replica must become ready again; one whose bus takes longer than the streams did is waited for (up to
            // a minute), so the figure printed says how long it took instead of the run saying only "never".
            using (var recovery = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                while (!recovery.IsCancellationRequested && probes.Any(p => p.FirstHealthyAfter(up) is null))
                    await Task.Delay(100, CancellationToken.None);
            }
            var tally = RequestTally.Of(rig, ids);
            var (resumes, _) = rig.StreamReads();
            // Readiness while the broker was away (from half a second after it went, when the probes' last answers are in, to the moment it is started again).
            var during = probes.SelectMany(p => p.Between(stopped + Stopwatch.Frequency / 2, starting)).ToList();
            var readyDuring = during.Count(s => s == HttpStatusCode.OK);
            var healthyAfter = probes.Select(p => p.FirstHealthyAfter(up) is { } at ? Stopwatch.GetElapsedTime(up, at).TotalSeconds : double.NaN).ToList();
            FaultReport.Print($"[fault] broker {outage} during {Streams} streams of 10 s on 2 replicas: {tally}, stream resumes {resumes}; readiness during the outage: " +
                $"{during.Count(s => s == HttpStatusCode.ServiceUnavailable)} × 503, {readyDuring} × 200, {during.Count(s => s is null)} unanswered of {during.Count}; " +
                $"healthy again after the broker was back: {string.Join(" / ", healthyAfter.Select(s => $"{s:0.0} s"))}");

            Assert.True(finished, $"{tally.Lost} requests have no final event");
            tally.AssertClean();
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
