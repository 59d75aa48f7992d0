using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Contracts;
using Messaging.Interactions.Models.Deltas;
using Messaging.Interactions.Streaming;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Streaming;

/// <summary>Delta coalescing: ranges stay gapless and ordered, merged deltas say what their parts said, nothing is held past a step's end.</summary>
[Trait("Needs", "RabbitMQ")]
public sealed class DeltaCoalescingTests(CoalescingFixture fixture) : IClassFixture<CoalescingFixture>
{
    private const string FastText = """{"model":"gemini-3.5-flash","input":"Explain how AI works","labels":{"emulator_chunks":"40"}}""";
    private const string Tools = """[{"type":"function","name":"get_current_temperature","description":"Gets the current temperature for a given location.","parameters":{"type":"object","properties":{"location":{"type":"string","description":"The city name"}},"required":["location"]}}]""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Window_zero_publishes_one_message_per_api_delta()
    {
        var events = await fixture.Off.RunAsync(FastText, Ct);

        StreamAssert.WellFormed(events);
        var deltas = events.Of<StepDelta>();
        Assert.All(deltas, d => Assert.Equal(d.Sequence, d.LastSequence));
        Assert.Equal(deltas.Count, StreamAssert.GaplessRanges(deltas));
    }

    [Fact]
    public async Task Fast_deltas_of_a_step_merge_into_gapless_ranges_with_their_texts_concatenated()
    {
        var events = await fixture.Wide.RunAsync(FastText, Ct);

        StreamAssert.WellFormed(events); // gapless ranges, in order, inside their step, streamed text = outputText
        var deltas = events.Of<StepDelta>();
        Assert.True(StreamAssert.GaplessRanges(deltas) > deltas.Count, "no delta was coalesced");
        var merged = deltas.Where(d => d.LastSequence > d.Sequence).ToList();
        Assert.NotEmpty(merged);
        Assert.All(merged, d =>
        {
            Assert.Equal("text", d.Delta.GetProperty("type").GetString());
            Assert.Equal(d.Text, d.Delta.GetProperty("text").GetString());
        });
    }

    [Fact]
    public async Task Coalesced_and_single_deltas_carry_the_same_answer()
    {
        var single = await fixture.Off.RunAsync(FastText, Ct);
        var coalesced = await fixture.Wide.RunAsync(FastText, Ct);

        Assert.Equal(StreamAssert.StreamedText(single), StreamAssert.StreamedText(coalesced));
        Assert.Equal(StreamAssert.GaplessRanges(single.Of<StepDelta>()), StreamAssert.GaplessRanges(coalesced.Of<StepDelta>()));
    }

    [Fact]
    public async Task Held_deltas_go_out_before_their_step_completes_and_each_step_rebuilds_from_them()
    {
        var events = await fixture.Wide.RunAsync(FastText, Ct);

        var all = events.All.ToList();
        foreach (var completed in events.Of<StepCompleted>())
        {
            var started = events.Of<StepStarted>().Single(s => s.Index == completed.Index);
            var builder = new StepBuilder(JsonNode.Parse(started.Step.GetRawText())!.AsObject());
            var position = all.IndexOf(completed);
            foreach (var delta in events.Of<StepDelta>().Where(d => d.Index == completed.Index))
            {
                Assert.True(all.IndexOf(delta) < position, "a delta came after its StepCompleted");
                builder.Apply(Delta.From(JsonNode.Parse(delta.Delta.GetRawText())!.AsObject()));
            }
            StreamAssert.AssertJsonEqual(completed.Step, JsonDocument.Parse(builder.Complete().ToJson()).RootElement);
        }
    }

    [Fact]
    public async Task Function_call_arguments_merge_by_the_api_merge_rule()
    {
        var events = await fixture.Wide.RunAsync($$"""{"model":"gemini-3.5-flash","input":"What is the temperature in London?","tools":{{Tools}}}""", Ct);

        StreamAssert.WellFormed(events);
        var call = events.Of<StepCompleted>().Single(s => s.Step.GetProperty("type").GetString() == "function_call");
        var arguments = string.Concat(events.Of<StepDelta>().Where(d => d.Index == call.Index && d.Delta.GetProperty("type").GetString() == "arguments_delta")
            .Select(d => d.Delta.GetProperty("arguments").GetString()));
        StreamAssert.AssertJsonEqual(call.Step.GetProperty("arguments"), JsonDocument.Parse(arguments).RootElement);
    }

    [Fact]
    public async Task Every_delta_names_the_last_event_it_carries_as_its_resume_point()
    {
        var events = await fixture.Wide.RunAsync(FastText, Ct);

        var deltas = events.Of<StepDelta>();
        Assert.All(deltas, d => Assert.StartsWith("evt_", d.EventId, StringComparison.Ordinal));
        // The emulator numbers events in stream order and a step's deltas are consecutive events: within a step,
        // a range's id is exactly as far from the previous range's id as the range is long.
        var numbers = deltas.Select(d => int.Parse(d.EventId!["evt_".Length..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        for (var i = 1; i < deltas.Count; i++)
        {
            if (deltas[i].Index != deltas[i - 1].Index) continue;
            Assert.Equal(deltas[i].LastSequence - deltas[i].Sequence + 1, numbers[i] - numbers[i - 1]);
        }
    }
}
