using System.Text.Json.Nodes;
using Messaging.Contracts;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Streaming;

/// <summary><c>requires_continuation</c> is continued automatically; the hops read as one stream.</summary>
public sealed class ContinuationTests(WorkerFixture fixture) : WorkerTest(fixture)
{
    [Fact]
    public async Task Stored_hops_chain_from_the_previous_hop_without_resending_input()
    {
        var events = await RunAsync("""{"model":"gemini-3.5-flash","input":"Write a long essay on rivers","labels":{"emulator_continuation_hops":"2"}}""");

        StreamAssert.WellFormed(events);
        var completed = events.Single<InteractionCompleted>();
        Assert.Equal(3, completed.ContinuationIds.Count);
        Assert.Equal(3, completed.ContinuationIds.Distinct().Count());
        Assert.Equal(events.Single<InteractionStarted>().InteractionId, completed.ContinuationIds[0]);
        Assert.Equal(completed.ContinuationIds[^1], completed.InteractionId);
        Assert.Equal(2, events.Of<InteractionStatusChanged>().Count(s => s.Status == "requires_continuation"));
        Assert.Equal(Enumerable.Range(0, events.Of<StepCompleted>().Count), events.Of<StepCompleted>().Select(s => s.Index));
        await StreamAssert.StepsEqualGetAsync(events, Fixture.Api, Ct);

        var hopBodies = Fixture.Emulator.Requests
            .Where(r => r.Method == "POST" && r.Body.Contains("continuation_token", StringComparison.Ordinal)
                        && completed.ContinuationIds.Any(id => r.Body.Contains(id, StringComparison.Ordinal)))
            .Select(r => JsonNode.Parse(r.Body)!.AsObject()).ToList();
        Assert.Equal(2, hopBodies.Count);
        Assert.All(hopBodies, b => Assert.False(b.ContainsKey("input")));
        Assert.Equal(completed.ContinuationIds.Take(2), hopBodies.Select(b => b["previous_interaction_id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Stateless_hops_resend_the_input_with_the_token()
    {
        var tag = Guid.NewGuid().ToString("N");
        var events = await RunAsync($$"""{"model":"gemini-3.5-flash","store":false,"input":"Write a long essay on lakes","labels":{"emulator_continuation_hops":"1","test_tag":"{{tag}}"} }""");

        StreamAssert.WellFormed(events);
        Assert.Equal(2, events.Single<InteractionCompleted>().ContinuationIds.Count);
        var bodies = Fixture.Emulator.Requests.Where(r => r.Method == "POST" && r.Body.Contains(tag, StringComparison.Ordinal))
            .Select(r => JsonNode.Parse(r.Body)!.AsObject()).ToList();
        Assert.Equal(2, bodies.Count);
        Assert.Equal("Write a long essay on lakes", bodies[1]["input"]!.GetValue<string>());
        Assert.NotNull(bodies[1]["continuation_token"]);
        Assert.Null(bodies[1]["previous_interaction_id"]);
    }
}
