using Messaging.Contracts;
using Messaging.Worker.Cancels;
using Messaging.Worker.Tests.Support;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Tests.Faults;

/// <summary>
/// Fault category: cancels are remembered. One that comes before its request cancels it before anything is created; one
/// a replica never received (its control queue was gone while it reconnected) reaches it through the cancel store.
/// </summary>
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
[Trait("Category", "Fault")]
[Collection(FaultTests.Name)]
public sealed class RememberedCancelTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_cancel_sent_200_ms_before_its_request_cancels_it_and_nothing_is_created()
    {
        await using var rig = await FaultRig.StartAsync(replicas: 2, Ct);
        var (foreground, background) = (Guid.NewGuid(), Guid.NewGuid());
        await rig.CancelAsync(foreground);
        await rig.CancelAsync(background);
        await Task.Delay(200, Ct);
        await rig.PublishAsync(foreground, FaultRig.SlowRequest(foreground));
        await rig.PublishAsync(background, Background(FaultRig.SlowRequest(background)));

        Assert.True(await rig.Events.WaitAsync([foreground, background], TimeSpan.FromSeconds(30), Ct));
        var finals = new[] { foreground, background }.Select(id => FinalsOf(rig, id)).ToList();
        var creates = rig.CreatesOf(foreground) + rig.CreatesOf(background);
        FaultReport.Print($"[fault] cancel 200 ms before its request (foreground, background): final events {string.Join(" / ", finals.Select(f => string.Join(", ", f)))}, API creates {creates}");
        Assert.All(finals, f => Assert.Equal(nameof(InteractionCancelled), Assert.Single(f)));
        Assert.Equal(0, creates);
    }

    [Fact]
    public async Task A_cancel_the_replica_never_received_reaches_its_running_stream_through_the_cancel_store()
    {
        await using var rig = await FaultRig.StartAsync(replicas: 1, Ct);
        var id = Guid.NewGuid();
        await rig.PublishAsync(id, FaultRig.SlowRequest(id, chunks: 100, delayMs: 100));
        await rig.Events.FirstDeltaAsync([id], Ct);

        // Recorded as another replica records a cancel it consumed, but never delivered to this replica's control queue.
        await using (var pools = new ReplicaPools(rig.Database.Address))
        await using (var store = new NpgsqlCancelStore(pools.First, Options.Create(new CancelOptions { TableName = rig.CancelTable })))
            await store.RecordAsync(Guid.NewGuid(), new CancelInteraction { RequestId = id }, Ct);

        Assert.True(await rig.Events.WaitAsync([id], TimeSpan.FromSeconds(30), Ct));
        var finals = FinalsOf(rig, id);
        var deltas = rig.Events.Of(id).Count(e => e.Message is StepDelta);
        var apiCancels = rig.Emulator.Requests.Count(r => r.Method == "POST" && r.Path.EndsWith("/cancel", StringComparison.Ordinal));
        FaultReport.Print($"[fault] a cancel only in the cancel store, during a 10 s stream: final events {string.Join(", ", finals)}, " +
            $"delta messages before it stopped {deltas}, cancels sent to the API {apiCancels}, API creates {rig.CreatesOf(id)}");
        Assert.Equal(nameof(InteractionCancelled), Assert.Single(finals));
        Assert.Equal(1, rig.CreatesOf(id));
        Assert.True(apiCancels >= 1, "the stored interaction was not cancelled at the API");
    }

    private static List<string> FinalsOf(FaultRig rig, Guid id) => rig.Events.Finals(id).Select(m => m.GetType().Name).ToList();

    private static System.Text.Json.JsonElement Background(System.Text.Json.JsonElement request)
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(request.GetRawText())!.AsObject();
        json["background"] = true;
        return System.Text.Json.JsonSerializer.SerializeToElement(json);
    }
}
