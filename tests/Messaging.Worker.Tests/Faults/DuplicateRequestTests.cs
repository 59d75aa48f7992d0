using Messaging.Contracts;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Faults;

/// <summary>
/// Fault category: the same requestId delivered again — a publisher retry (new messageId), a duplicate (same messageId),
/// before, during and after its run, with the same body or another one — on two replicas that share checkpoints.
/// </summary>
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
[Trait("Category", "Fault")]
[Collection(FaultTests.Name)]
public sealed class DuplicateRequestTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_requestId_sent_again_runs_once_ends_once_and_another_body_under_it_is_rejected()
    {
        await using var rig = await FaultRig.StartAsync(replicas: 2, Ct);
        var before = Guid.NewGuid();
        var sameMessage = Guid.NewGuid();
        var during = Guid.NewGuid();
        var after = Guid.NewGuid();
        var otherBody = Guid.NewGuid();

        var body = (Guid id) => FaultRig.SlowRequest(id, chunks: 10, delayMs: 100);
        // Before it runs: two copies at once, as a publisher retry would send them (new messageId) or a broker duplicate (same one).
        await Task.WhenAll(rig.PublishAsync(before, body(before)), rig.PublishAsync(before, body(before)));
        var messageId = Guid.NewGuid();
        await Task.WhenAll(rig.PublishAsync(sameMessage, body(sameMessage), messageId), rig.PublishAsync(sameMessage, body(sameMessage), messageId));
        // During its run.
        await rig.PublishAsync(during, body(during));
        await rig.PublishAsync(otherBody, body(otherBody));
        await rig.Events.FirstDeltaAsync([during, otherBody], Ct);
        await rig.PublishAsync(during, body(during));
        await rig.PublishAsync(otherBody, FaultRig.SlowRequest(otherBody, chunks: 10, delayMs: 100, input: "Something else entirely"));
        // After it ended.
        await rig.PublishAsync(after, body(after));
        Assert.True(await rig.Events.WaitAsync([before, sameMessage, during, after, otherBody], TimeSpan.FromSeconds(60), Ct));
        await rig.PublishAsync(after, body(after));
        await rig.PublishAsync(after, FaultRig.SlowRequest(after, chunks: 10, delayMs: 100, input: "Something else entirely"));
        await rig.Events.RejectedAsync(otherBody, Ct);
        await rig.Events.RejectedAsync(after, Ct);
        await Task.Delay(TimeSpan.FromSeconds(3), Ct); // the duplicates have had their chance to show up twice

        var cases = new[] { ("before", before), ("same messageId", sameMessage), ("during", during), ("after", after), ("other body", otherBody) };
        foreach (var (name, id) in cases)
        {
            var creates = rig.CreatesOf(id);
            var finals = rig.Events.Of(id).Where(e => e.Message is InteractionCompleted).Select(e => e.MessageId).ToList();
            var rejected = rig.Events.Of(id).Select(e => e.Message).OfType<InteractionRejected>().ToList();
            FaultReport.Print($"[fault] duplicate {name}: API creates {creates}, InteractionCompleted delivered {finals.Count} " +
                $"({finals.Distinct().Count()} distinct), rejected {rejected.Count}");
            Assert.Equal(1, creates);
            Assert.Single(finals.Distinct());
            if (id == otherBody || id == after)
            {
                var problem = Assert.Single(Assert.Single(rejected).Errors);
                Assert.Equal("requestId", problem.Field);
                Assert.Contains("different request", problem.Message, StringComparison.Ordinal);
            }
            else
            {
                Assert.Empty(rejected);
            }
            var (assembler, _) = rig.Events.Assemble(id);
            Assert.Equal(((InteractionCompleted)assembler.Final!).OutputText, assembler.Text);
        }
    }
}
