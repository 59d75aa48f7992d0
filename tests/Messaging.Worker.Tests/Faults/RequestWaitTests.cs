using Messaging.Contracts;
using Messaging.Worker.Streaming;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Faults;

/// <summary>
/// Fault category: a request put off until a time (its <c>messaging-not-before</c> header) waits on the broker, in the
/// wait queues, and starts only once its time has come; one whose time has passed starts at once.
/// </summary>
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
[Trait("Category", "Fault")]
[Collection(FaultTests.Name)]
public sealed class RequestWaitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_request_put_off_by_3_seconds_waits_on_the_broker_and_starts_after_its_time()
    {
        await using var rig = await FaultRig.StartAsync(replicas: 1, Ct);
        var (later, now) = (Guid.NewGuid(), Guid.NewGuid());
        var published = DateTimeOffset.UtcNow;
        var notBefore = published.AddSeconds(3);
        await rig.PublishAsync(later, FaultRig.SlowRequest(later, chunks: 3, delayMs: 10),
            headers: new Dictionary<string, object> { [RequestWaits.NotBeforeHeader] = notBefore.ToUnixTimeMilliseconds() });
        await rig.PublishAsync(now, FaultRig.SlowRequest(now, chunks: 3, delayMs: 10),
            headers: new Dictionary<string, object> { [RequestWaits.NotBeforeHeader] = published.AddSeconds(-10).ToUnixTimeMilliseconds() });

        Assert.True(await rig.Events.WaitAsync([later, now], TimeSpan.FromSeconds(60), Ct));
        var createdAt = rig.Emulator.Requests.Single(r => r.Method == "POST" && r.Body.Contains(later.ToString(), StringComparison.Ordinal)).ReceivedAt;
        var nowCreatedAt = rig.Emulator.Requests.Single(r => r.Method == "POST" && r.Body.Contains(now.ToString(), StringComparison.Ordinal)).ReceivedAt;
        FaultReport.Print($"[fault] a request put off by 3 s: created {(createdAt - published).TotalSeconds:0.0} s after it was published " +
            $"(one whose time had passed: {(nowCreatedAt - published).TotalSeconds:0.0} s), final events {rig.Events.DistinctFinals(later)} / {rig.Events.DistinctFinals(now)}");
        Assert.True(createdAt >= notBefore, $"it started {(notBefore - createdAt).TotalMilliseconds:0} ms before its time");
        Assert.True(nowCreatedAt < notBefore, "a request whose time had passed waited");
        Assert.Equal(1, rig.Events.DistinctFinals(later));
        Assert.Equal(1, rig.Events.DistinctFinals(now));
    }
}
