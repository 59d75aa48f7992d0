using System.Text;
using System.Text.Json.Nodes;
using Messaging.Interactions.Models;
using Messaging.Interactions.Models.Steps;
using Messaging.Interactions.Streaming;
using Messaging.Interactions.Tests.Support;

namespace Messaging.Interactions.Tests.Streaming;

public class InteractionAccumulatorTests
{
    private static async Task<(InteractionAccumulator Accumulator, List<Step> Completed)> Accumulate(string sse)
    {
        var accumulator = new InteractionAccumulator();
        var completed = new List<Step>();
        await using var stream = new MemoryStream(Encoding.UTF8.GetBytes(sse));
        await foreach (var e in InteractionEventReader.ReadAsync(stream, TestContext.Current.CancellationToken))
        {
            if (accumulator.Apply(e) is { } step) completed.Add(step);
        }
        return (accumulator, completed);
    }

    [Fact]
    public async Task Builds_every_step_of_the_reference_stream_by_the_merge_rules()
    {
        var (accumulator, completed) = await Accumulate(JsonText.ReadFixture("reference-stream.sse"));
        var expected = JsonNode.Parse(JsonText.ReadFixture("reference-stream.expected-steps.json"))!.AsArray();

        Assert.Equal(expected.Count, completed.Count);
        for (var i = 0; i < expected.Count; i++)
            Assert.True(JsonNode.DeepEquals(expected[i], completed[i].Json), $"step {i}: {completed[i].ToJson()}");

        var interaction = accumulator.ToInteraction();
        Assert.Equal("v1_Chd-stream", interaction.Id);
        Assert.Equal(InteractionStatus.RequiresAction, interaction.Status);
        Assert.Equal(197, interaction.Usage!.TotalTokens);
        Assert.Equal("e26", accumulator.LastEventId);
        Assert.Equal("Madrid", Assert.Single(interaction.FunctionCalls).Arguments!["location"]!.GetValue<string>());
    }

    [Fact]
    public void A_start_that_already_holds_content_is_continued_by_text_deltas()
    {
        var accumulator = new InteractionAccumulator();
        accumulator.Apply(InteractionEvent.Parse("""{"event_type":"step.start","index":0,"step":{"type":"model_output","content":[{"type":"text","text":"Hello"}]}}"""));
        accumulator.Apply(InteractionEvent.Parse("""{"event_type":"step.delta","index":0,"delta":{"type":"text","text":", world"}}"""));
        var step = accumulator.Apply(InteractionEvent.Parse("""{"event_type":"step.stop","index":0}"""));

        Assert.Equal("""{"type":"model_output","content":[{"type":"text","text":"Hello, world"}]}""", step!.ToJson());
    }

    [Fact]
    public void Unparseable_argument_fragments_are_kept_as_text_rather_than_lost()
    {
        var accumulator = new InteractionAccumulator();
        accumulator.Apply(InteractionEvent.Parse("""{"event_type":"step.start","index":0,"step":{"type":"function_call","id":"c","name":"f"}}"""));
        accumulator.Apply(InteractionEvent.Parse("""{"event_type":"step.delta","index":0,"delta":{"type":"arguments_delta","arguments":"{\"a\":"}}"""));
        var step = (FunctionCallStep)accumulator.Apply(InteractionEvent.Parse("""{"event_type":"step.stop","index":0}"""))!;

        Assert.Equal("{\"a\":", step.Json["arguments"]!.GetValue<string>());
    }

    [Fact]
    public void Unknown_delta_types_are_kept()
    {
        var accumulator = new InteractionAccumulator();
        accumulator.Apply(InteractionEvent.Parse("""{"event_type":"step.start","index":0,"step":{"type":"model_output"}}"""));
        accumulator.Apply(InteractionEvent.Parse("""{"event_type":"step.delta","index":0,"delta":{"type":"text","text":"a"}}"""));
        accumulator.Apply(InteractionEvent.Parse("""{"event_type":"step.delta","index":0,"delta":{"type":"hologram","data":"AAAA"}}"""));
        var step = accumulator.Apply(InteractionEvent.Parse("""{"event_type":"step.stop","index":0}"""));

        Assert.Equal("""{"type":"model_output","content":[{"type":"text","text":"a"},{"type":"hologram","data":"AAAA"}]}""", step!.ToJson());
    }

    [Fact]
    public void A_snapshot_replaces_half_built_steps()
    {
        var accumulator = new InteractionAccumulator();
        accumulator.Apply(InteractionEvent.Parse("""{"event_type":"interaction.created","interaction":{"id":"i1","status":"in_progress"}}"""));
        accumulator.Apply(InteractionEvent.Parse("""{"event_type":"step.start","index":0,"step":{"type":"model_output"}}"""));
        accumulator.Apply(InteractionEvent.Parse("""{"event_type":"step.delta","index":0,"delta":{"type":"text","text":"par"}}"""));
        accumulator.Apply(new InteractionSnapshotEvent(Interaction.Parse(
            """{"id":"i1","status":"completed","steps":[{"type":"model_output","content":[{"type":"text","text":"partial no more"}]}]}""")));

        var interaction = accumulator.ToInteraction();

        Assert.True(accumulator.IsCompleted);
        Assert.Equal("partial no more", interaction.OutputText);
        Assert.Equal(InteractionStatus.Completed, interaction.Status);
    }
}
