using Messaging.Contracts;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Faults;

/// <summary>
/// Fault category: the work queue is a quorum queue with a delivery limit. A request whose every replica dies on it comes
/// back each time; past the limit the broker dead-letters it and it gets one final <see cref="InteractionFailed"/>
/// (reason <c>poison</c>). Under the default limit, a request handed over three times is still served.
/// </summary>
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
[Trait("Category", "Fault")]
[Collection(FaultTests.Name)]
public sealed class DeliveryLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_request_past_the_delivery_limit_is_dead_lettered_and_fails_as_poison()
    {
        await using var rig = await FaultRig.StartAsync(replicas: 0, Ct, extraSettings: new() { ["Bus:DeliveryLimit"] = "2" });
        await rig.StartWorkerAsync(Ct);
        var id = Guid.NewGuid();
        await rig.PublishAsync(id, FaultRig.SlowRequest(id, chunks: 300, delayMs: 100));
        var kills = await KillEachDeliveryAsync(rig, id, deliveries: 3); // the limit is 2: the third return dead-letters it

        Assert.True(await rig.Events.WaitAsync([id], TimeSpan.FromSeconds(60), Ct));
        var finals = rig.Events.Finals(id);
        var apiCancels = rig.Emulator.Requests.Count(r => r.Method == "POST" && r.Path.EndsWith("/cancel", StringComparison.Ordinal));
        FaultReport.Print($"[fault] delivery limit 2, the replica killed on each of {kills} deliveries: final events " +
            $"{string.Join(", ", finals.Select(f => f is InteractionFailed failed ? $"InteractionFailed({failed.Reason})" : f.GetType().Name))}, " +
            $"API creates {rig.CreatesOf(id)}, cancels sent to the API {apiCancels}");
        Assert.Equal("poison", Assert.IsType<InteractionFailed>(Assert.Single(finals)).Reason);
        Assert.Equal(1, rig.CreatesOf(id));
        Assert.True(apiCancels >= 1, "the stored interaction was not cancelled at the API");
    }

    [Fact]
    public async Task A_request_handed_over_three_times_is_served_under_the_default_limit()
    {
        await using var rig = await FaultRig.StartAsync(replicas: 0, Ct);
        await rig.StartWorkerAsync(Ct);
        var id = Guid.NewGuid();
        await rig.PublishAsync(id, FaultRig.SlowRequest(id, chunks: 150, delayMs: 100));
        var kills = await KillEachDeliveryAsync(rig, id, deliveries: 3);

        Assert.True(await rig.Events.WaitAsync([id], TimeSpan.FromSeconds(60), Ct));
        var finals = rig.Events.Finals(id);
        FaultReport.Print($"[fault] default delivery limit, the replica killed on {kills} deliveries: final events {string.Join(", ", finals.Select(f => f.GetType().Name))}, " +
            $"API creates {rig.CreatesOf(id)}, text = outputText {rig.Events.ShowsOutputText(id)}");
        Assert.IsType<InteractionCompleted>(Assert.Single(finals));
        Assert.Equal(1, rig.CreatesOf(id));
        Assert.True(rig.Events.ShowsOutputText(id));
    }

    /// <summary>Kills the replica once each delivery has reached the API (its create, then each resume).</summary>
    private static async Task<int> KillEachDeliveryAsync(FaultRig rig, Guid id, int deliveries)
    {
        for (var delivery = 1; delivery <= deliveries; delivery++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            try
            {
                while (rig.CreatesOf(id) + ResumesOf(rig, id) < delivery) await Task.Delay(50, timeout.Token);
            }
            catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
            {
                throw new TimeoutException($"delivery {delivery} never reached the API (creates {rig.CreatesOf(id)}, resumes {ResumesOf(rig, id)}, " +
                    $"events {string.Join(", ", rig.Events.Of(id).Select(e => e.Message.GetType().Name).Distinct())}); " +
                    $"the replica wrote:\n{string.Join('\n', rig.Workers[^1].Lines.TakeLast(20))}");
            }
            await Task.Delay(300, Ct); // a few deltas
            await rig.KillAndReplaceAsync(rig.Workers[^1], Ct);
        }
        return deliveries;
    }

    /// <summary>Reads of the request's stream after its create: resumes after an event, and reads from the start (a kill before the first checkpoint).</summary>
    private static int ResumesOf(FaultRig rig, Guid id)
    {
        var interactions = rig.Events.Of(id).Select(e => e.Message).OfType<InteractionStarted>().Select(s => s.InteractionId).ToHashSet();
        return rig.Emulator.Requests.Count(r => r.Method == "GET" && r.QueryString.Contains("stream=true", StringComparison.Ordinal) &&
            interactions.Any(i => r.Path.Contains(i, StringComparison.Ordinal)));
    }
}
