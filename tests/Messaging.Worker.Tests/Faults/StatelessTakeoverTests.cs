using Messaging.Client;
using Messaging.Contracts;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Faults;

/// <summary>
/// Fault category: a <c>store: false</c> request whose replica is killed mid-stream cannot be read back, so it starts over:
/// the one case that generates again, announced as attempt 2 superseding the old interaction, shown alone by the helper.
/// </summary>
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
[Trait("Category", "Fault")]
[Collection(FaultTests.Name)]
public sealed class StatelessTakeoverTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_store_false_request_killed_mid_stream_starts_over_as_attempt_2_and_the_helper_shows_only_it()
    {
        await using var rig = await FaultRig.StartAsync(replicas: 1, Ct);
        var id = Guid.NewGuid();
        await rig.PublishAsync(id, FaultRig.SlowRequest(id, chunks: 30, delayMs: 100, store: false));
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            while (rig.Events.Of(id).Count(e => e.Message is StepDelta) < 5) await Task.Delay(20, timeout.Token);
        }
        await rig.KillAndReplaceAsync(rig.Workers[0], Ct);
        Assert.True(await rig.Events.WaitAsync([id], TimeSpan.FromSeconds(60), Ct));

        var started = rig.Events.Of(id).Select(e => e.Message).OfType<InteractionStarted>().ToList();
        var (assembler, shown) = rig.Events.Assemble(id);
        FaultReport.Print($"[fault] store:false killed mid-stream: API creates {rig.CreatesOf(id)}, attempts seen {started.Select(s => s.Attempt ?? 1).Distinct().Count()}, " +
            $"final events {rig.Events.DistinctFinals(id)}, helper attempt {assembler.Attempt}");
        var second = Assert.Single(started, s => s.Attempt == 2);
        Assert.Equal(started.Single(s => s.Attempt is null).InteractionId, second.Supersedes);
        Assert.Equal(2, rig.CreatesOf(id));
        Assert.Equal(1, rig.Events.DistinctFinals(id));
        Assert.Equal(2, assembler.Attempt);
        Assert.Equal(Assert.IsType<InteractionCompleted>(assembler.Final).OutputText, assembler.Text);
        Assert.Single(shown.OfType<AttemptSuperseded>());
    }
}
