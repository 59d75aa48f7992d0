using System.Text;
using System.Text.Json.Nodes;
using Messaging.Interactions.Json;
using Messaging.Interactions.Streaming;
using Messaging.Interactions.Tests.Support;

namespace Messaging.Interactions.Tests.Streaming;

/// <summary>A stream resumed on another replica continues from a snapshot: it must build exactly what one reader would have.</summary>
public class AccumulatorSnapshotTests
{
    [Fact]
    public async Task A_snapshot_taken_after_any_event_continues_to_the_same_interaction_and_steps()
    {
        var events = new List<InteractionEvent>();
        await using (var stream = new MemoryStream(Encoding.UTF8.GetBytes(JsonText.ReadFixture("reference-stream.sse"))))
        {
            await foreach (var e in InteractionEventReader.ReadAsync(stream, TestContext.Current.CancellationToken)) events.Add(e);
        }
        var whole = new InteractionAccumulator();
        var wholeSteps = events.Select(whole.Apply).Where(s => s is not null).Select(s => s!.ToJson()).ToList();

        for (var cut = 0; cut <= events.Count; cut++)
        {
            var first = new InteractionAccumulator();
            var steps = events.Take(cut).Select(first.Apply).Where(s => s is not null).Select(s => s!.ToJson()).ToList();
            // Through text, as the checkpoint store keeps it.
            var resumed = InteractionAccumulator.FromSnapshot(InteractionsJson.ParseObject(InteractionsJson.Serialize(first.ToSnapshot())));
            Assert.Equal(first.LastEventId, resumed.LastEventId);
            steps.AddRange(events.Skip(cut).Select(resumed.Apply).Where(s => s is not null).Select(s => s!.ToJson()));

            Assert.Equal(wholeSteps, steps);
            Assert.True(JsonNode.DeepEquals(whole.ToInteraction().Json, resumed.ToInteraction().Json), $"cut after {cut} events");
            Assert.Equal(whole.Status, resumed.Status);
            Assert.Equal(whole.IsCompleted, resumed.IsCompleted);
        }
    }

    [Fact]
    public void Taking_a_snapshot_changes_nothing_the_stream_builds()
    {
        var accumulator = new InteractionAccumulator();
        accumulator.Apply(InteractionEvent.Parse("""{"event_type":"step.start","index":0,"step":{"type":"model_output"}}"""));
        accumulator.Apply(InteractionEvent.Parse("""{"event_type":"step.delta","index":0,"delta":{"type":"text","text":"Hel"}}"""));
        _ = accumulator.ToSnapshot();
        accumulator.Apply(InteractionEvent.Parse("""{"event_type":"step.delta","index":0,"delta":{"type":"text","text":"lo"}}"""));
        Assert.Equal("Hello", accumulator.TextSoFar(0));
        var step = accumulator.Apply(InteractionEvent.Parse("""{"event_type":"step.stop","index":0}"""));
        Assert.Equal("""{"type":"model_output","content":[{"type":"text","text":"Hello"}]}""", step!.ToJson());
    }
}
