using Messaging.Interactions.Json;
using Messaging.Interactions.Models.Deltas;
using Messaging.Worker.Streaming;

namespace Messaging.Worker.Tests.Streaming;

/// <summary>Which API deltas merge into one <c>StepDelta</c>, and what the merged one says.</summary>
public sealed class PendingDeltaTests
{
    [Fact]
    public void Consecutive_text_deltas_of_one_step_merge_into_one_range_with_the_last_event_id()
    {
        var pending = new PendingDelta(2, 10, Text("Hel"), "e1");

        Assert.True(pending.TryMerge(2, 11, Text("lo"), "e2"));
        Assert.True(pending.TryMerge(2, 12, Text("!"), "e3"));

        Assert.Equal((10L, 12L, 3, "e3"), (pending.First, pending.Last, pending.Count, pending.EventId));
        Assert.Equal("Hello!", pending.Text);
        Assert.Equal("""{"type":"text","text":"Hello!"}""", pending.Delta().ToJsonString());
    }

    [Fact]
    public void A_delta_of_another_step_type_or_a_gap_in_sequence_does_not_merge()
    {
        var pending = new PendingDelta(0, 1, Text("a"), "e1");

        Assert.False(pending.TryMerge(1, 2, Text("b"), "e2"));            // another step
        Assert.False(pending.TryMerge(0, 3, Text("b"), "e3"));            // a gap
        Assert.False(pending.TryMerge(0, 2, Parse("""{"type":"thought_summary","content":{"type":"text","text":"b"}}"""), "e2"));
        Assert.Equal(1, pending.Count);
        Assert.Equal("a", pending.Text);
    }

    [Fact]
    public void A_delta_with_members_beyond_its_string_travels_alone_exactly_as_received()
    {
        var annotated = Parse("""{"type":"text","text":"a","annotations":[{"type":"url_citation"}]}""");
        var pending = new PendingDelta(0, 1, annotated, "e1");

        Assert.False(pending.TryMerge(0, 2, Text("b"), "e2"));
        Assert.Same(annotated.Json, pending.Delta());
        Assert.Equal("a", pending.Text); // still part of the answer
    }

    [Fact]
    public void Function_call_arguments_merge_by_concatenation_and_carry_no_answer_text()
    {
        var pending = new PendingDelta(0, 1, Parse("""{"type":"arguments_delta","arguments":"{\"loc"}"""), null);

        Assert.True(pending.TryMerge(0, 2, Parse("""{"type":"arguments_delta","arguments":"ation\":\"Lima\"}"}"""), null));

        Assert.Null(pending.Text);
        Assert.Equal("""{"location":"Lima"}""", pending.Delta()["arguments"]!.GetValue<string>());
    }

    private static Delta Text(string text) => Parse($$"""{"type":"text","text":"{{text}}"}""");

    private static Delta Parse(string json) => Delta.From(InteractionsJson.ParseObject(json));
}
