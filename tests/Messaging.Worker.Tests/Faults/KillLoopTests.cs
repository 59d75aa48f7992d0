using Messaging.Contracts;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Faults;

/// <summary>
/// Fault category: replicas killed with SIGKILL in the middle of slow streams, each replaced. Every request must end once,
/// be resumed (never generated again, apart from the counted window between the API's create and its checkpoint), and read
/// through the consumer helper as exactly its answer. Counts are printed.
/// </summary>
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
[Trait("Category", "Fault")]
[Collection(FaultTests.Name)]
public sealed class KillLoopTests
{
    private const int Requests = 150;
    private const int Kills = 20;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Twenty_kills_of_random_replicas_during_slow_streams_lose_nothing_and_re_run_nothing()
    {
        await using var rig = await FaultRig.StartAsync(replicas: 3, Ct);
        var random = new Random(20261201);
        var ids = Enumerable.Range(0, Requests).Select(_ => Guid.NewGuid()).ToList();

        // Requests arrive over ~15 s while a replica dies every ~0.75 s.
        var publishing = Task.Run(async () =>
        {
            foreach (var id in ids)
            {
                await rig.PublishAsync(id, FaultRig.SlowRequest(id));
                await Task.Delay(100, Ct);
            }
        }, Ct);
        await Task.Delay(2000, Ct);
        for (var kill = 0; kill < Kills; kill++)
        {
            await Task.Delay(random.Next(250, 1250), Ct);
            var victim = rig.Workers[random.Next(rig.Workers.Count)];
            await rig.KillAndReplaceAsync(victim, Ct);
        }
        await publishing;
        var finished = await rig.Events.WaitAsync(ids, TimeSpan.FromSeconds(90), Ct);

        var lost = ids.Count(id => rig.Events.DistinctFinals(id) == 0);
        var twice = ids.Count(id => rig.Events.DistinctFinals(id) > 1);
        var finalReplays = ids.Sum(id => rig.Events.FinalDeliveries(id) - rig.Events.DistinctFinals(id));
        var creates = ids.Sum(rig.CreatesOf);
        var attempts = ids.Sum(id => rig.Events.Assemble(id).Assembler.Attempt);
        var reRuns = creates - ids.Count;
        var windowRestarts = attempts - ids.Count;
        var wrongText = ids.Count(id => !rig.Events.ShowsOutputText(id));
        var helperDuplicates = 0;
        foreach (var id in ids)
        {
            var (_, shown) = rig.Events.Assemble(id);
            var sequences = shown.SkipWhile(m => m is not InteractionStarted).OfType<StepDelta>().SelectMany(d => Range(d.Sequence, d.LastSequence)).ToList();
            helperDuplicates += sequences.Count - sequences.Distinct().Count();
        }
        var (resumes, replays) = rig.StreamReads();
        FaultReport.Print($"[fault] kill loop: {Requests} requests, {Kills} SIGKILLs of 3 replicas: lost {lost}, more than one final event {twice} " +
            $"(final events delivered again with the same messageId {finalReplays}), API creates {creates} (re-runs {reRuns}, " +
            $"create-window restarts {windowRestarts}), stream resumes {resumes}, reads from the start {replays}; " +
            $"through the helper: duplicates {helperDuplicates}, text different from outputText {wrongText}");

        Assert.True(finished, $"{lost} requests have no final event");
        Assert.Equal(0, lost);
        Assert.Equal(0, twice);
        Assert.Equal(0, helperDuplicates);
        Assert.Equal(0, wrongText);
        Assert.True(reRuns <= windowRestarts, $"{reRuns} re-runs but only {windowRestarts} create-window restarts");
        Assert.True(resumes + replays > 0, "some streams were taken over");
    }

    private static IEnumerable<long> Range(long first, long last)
    {
        for (var s = first; s <= last; s++) yield return s;
    }
}
