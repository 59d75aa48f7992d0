using Messaging.Contracts;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Faults;

/// <summary>
/// Fault category: the replica dies 0–5 ms after a request's final event reached the consumer, before or after the
/// request's message was acknowledged. The redelivery (when there is one) must call nothing: no second interaction,
/// no second final event (the recorded one may go out again, with the same messageId).
/// </summary>
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
[Trait("Category", "Fault")]
[Collection(FaultTests.Name)]
public sealed class KillAfterFinalTests
{
    private const int Rounds = 10;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_replica_killed_just_after_the_final_event_re_runs_nothing()
    {
        await using var rig = await FaultRig.StartAsync(replicas: 1, Ct);
        var random = new Random(5);
        var ids = new List<Guid>();
        for (var round = 0; round < Rounds; round++)
        {
            var id = Guid.NewGuid();
            ids.Add(id);
            await rig.PublishAsync(id, FaultRig.SlowRequest(id, chunks: 8, delayMs: 20));
            Assert.True(await rig.Events.WaitAsync([id], TimeSpan.FromSeconds(30), Ct, pollMilliseconds: 1));
            Thread.Sleep(random.Next(0, 6));
            await rig.KillAndReplaceAsync(rig.Workers[0], Ct);
        }
        await Task.Delay(TimeSpan.FromSeconds(4), Ct); // a redelivery waits for the dead replica's lease (2 s), then ends at once

        var creates = ids.Sum(rig.CreatesOf);
        var twice = ids.Count(id => rig.Events.DistinctFinals(id) > 1);
        var replays = ids.Sum(id => rig.Events.FinalDeliveries(id) - rig.Events.DistinctFinals(id));
        FaultReport.Print($"[fault] kill 0-5 ms after the final event, {Rounds} rounds: API creates {creates} (re-runs {creates - Rounds}), " +
            $"more than one final event {twice}, final event delivered again with its messageId {replays}");
        Assert.Equal(Rounds, creates);
        Assert.Equal(0, twice);
        foreach (var id in ids)
        {
            var (assembler, _) = rig.Events.Assemble(id);
            Assert.Equal(Assert.IsType<InteractionCompleted>(assembler.Final).OutputText, assembler.Text);
        }
    }
}
