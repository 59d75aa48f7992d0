using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Contracts;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Faults;

/// <summary>
/// Fault category: runs longer than the broker's <c>consumer_timeout</c> (lowered to 4 s on a node of the test's own,
/// checked every 500 ms) complete once, without the broker closing a channel: each delivery lasts at most
/// <c>Worker:HandOverAfter</c> (2 s here), then the request goes on from a new copy of its message.
/// </summary>
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
[Trait("Category", "Fault")]
[Collection(FaultTests.Name)]
public sealed class LongRunTests
{
    private const int Port = 5683;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_background_run_and_a_stream_longer_than_the_consumer_timeout_each_complete_once()
    {
        await using var node = await PrivateRabbitNode.StartAsync(Port);
        await node.SetAsync("consumer_timeout", 4000);
        await node.SetAsync("channel_tick_interval", 500);
        var logFrom = node.LogLength();
        await using var rig = await FaultRig.StartAsync(replicas: 2, Ct, broker: node.Url,
            extraSettings: new()
            {
                ["Worker:HandOverAfter"] = "00:00:02",
                ["Logging:LogLevel:Messaging.Worker.Streaming.StreamInteractionHandler"] = "Information", // the hand-overs' lines
            });
        var (background, foreground) = (Guid.NewGuid(), Guid.NewGuid());
        await rig.PublishAsync(background, Background(FaultRig.SlowRequest(background, chunks: 50, delayMs: 200))); // 10 s
        await rig.PublishAsync(foreground, FaultRig.SlowRequest(foreground, chunks: 50, delayMs: 200));

        Assert.True(await rig.Events.WaitAsync([background, foreground], TimeSpan.FromSeconds(90), Ct));
        var ids = new[] { background, foreground };
        var finals = ids.Select(id => rig.Events.Finals(id).Select(m => m.GetType().Name).ToList()).ToList();
        var creates = ids.Select(rig.CreatesOf).ToList();
        var (resumes, replays) = rig.StreamReads();
        var handedOver = rig.Workers.Sum(w => w.Lines.Count(l => l.Contains("goes on from a new copy of its message", StringComparison.Ordinal)));
        var timedOut = node.LogSince(logFrom).Split('\n').Count(l => l.Contains("timed out", StringComparison.OrdinalIgnoreCase));
        FaultReport.Print($"[fault] runs of 10 s against a consumer_timeout of 4 s (background, foreground): final events " +
            $"{string.Join(" / ", finals.Select(f => string.Join(", ", f)))}, API creates {string.Join(" / ", creates)}, deliveries handed on {handedOver}, " +
            $"stream resumes {resumes}, reads from the start {replays}, channels the broker closed for an ack timeout {timedOut}, " +
            $"text = outputText {string.Join(" / ", ids.Select(rig.Events.ShowsOutputText))}");

        Assert.All(finals, f => Assert.Equal(nameof(InteractionCompleted), Assert.Single(f)));
        Assert.All(creates, c => Assert.Equal(1, c));
        Assert.True(handedOver >= 4, $"only {handedOver} deliveries were handed on");
        Assert.Equal(0, timedOut);
        Assert.All(ids, id => Assert.True(rig.Events.ShowsOutputText(id)));
    }

    private static JsonElement Background(JsonElement request)
    {
        var json = JsonNode.Parse(request.GetRawText())!.AsObject();
        json["background"] = true;
        return JsonSerializer.SerializeToElement(json);
    }
}
