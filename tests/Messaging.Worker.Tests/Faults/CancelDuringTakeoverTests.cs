using Messaging.Contracts;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Faults;

/// <summary>
/// Fault category: a <see cref="CancelInteraction"/> that arrives while the request waits for its dead owner's lease, on the
/// replica that will take it over, still cancels it (it used to be missed: the request was not in flight there yet).
/// </summary>
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
[Trait("Category", "Fault")]
[Collection(FaultTests.Name)]
public sealed class CancelDuringTakeoverTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_cancel_that_comes_while_the_takeover_waits_for_the_lease_cancels_the_request()
    {
        await using var rig = await FaultRig.StartAsync(replicas: 0, Ct);
        // The owner holds a long lease, so its successor is still waiting when the cancel comes.
        var owner = await rig.StartWorkerAsync(Ct, new Dictionary<string, string?> { ["Checkpoints:Lease"] = "00:00:08" });
        var id = Guid.NewGuid();
        await rig.PublishAsync(id, FaultRig.SlowRequest(id, chunks: 100, delayMs: 100));
        await rig.Events.FirstDeltaAsync([id], Ct);
        await rig.StartWorkerAsync(Ct);
        owner.Kill();
        await Task.Delay(1000, Ct); // the redelivery is on the survivor, waiting for the lease
        await rig.CancelAsync(id);
        Assert.True(await rig.Events.WaitAsync([id], TimeSpan.FromSeconds(60), Ct));

        var finals = rig.Events.Finals(id);
        var apiCancels = rig.Emulator.Requests.Count(r => r.Method == "POST" && r.Path.EndsWith("/cancel", StringComparison.Ordinal));
        FaultReport.Print($"[fault] cancel during a takeover's lease wait: final events {string.Join(", ", finals.Select(f => f.GetType().Name))}, " +
            $"cancels sent to the API {apiCancels}, API creates {rig.CreatesOf(id)}");
        Assert.IsType<InteractionCancelled>(Assert.Single(finals));
        Assert.Equal(1, rig.CreatesOf(id));
        Assert.True(apiCancels >= 1, "the stored interaction was not cancelled at the API");
    }
}
