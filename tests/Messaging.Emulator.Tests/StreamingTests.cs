using System.Text.Json.Nodes;
using Messaging.Emulator.Tests.Support;
using static Messaging.Emulator.Tests.Support.Interactions;

namespace Messaging.Emulator.Tests;

/// <summary>Seed section 3: streaming, event order and ids, and the merge rules.</summary>
public sealed class StreamingTests
{
    [Fact]
    public async Task Streams_events_in_the_documented_order()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var stream = await emulator.StreamAsync(Ask("Explain how AI works"));

        var events = await stream.ReadAllAsync();

        Assert.Equal(200, stream.Status);
        Assert.Equal("text/event-stream", stream.ContentType);
        var types = events.Select(e => e.EventType).ToList();
        Assert.Equal("interaction.created", types[0]);
        Assert.Equal("interaction.status_update", types[1]);
        Assert.Equal("in_progress", (string?)events[1].Data!["status"]);
        Assert.Equal(["step.start", "step.delta", "step.stop"], types.Skip(2).Take(3));
        Assert.Equal("thought", (string?)events[2].Data!["step"]!["type"]);
        Assert.Equal("thought_signature", (string?)events[3].Data!["delta"]!["type"]);
        Assert.Equal("step.start", types[5]);
        Assert.Equal("model_output", (string?)events[5].Data!["step"]!["type"]);
        Assert.All(types.Skip(6).Take(types.Count - 8), t => Assert.Equal("step.delta", t));
        Assert.Equal("step.stop", types[^2]);
        Assert.Equal("interaction.completed", types[^1]);
    }

    [Fact]
    public async Task Gives_every_event_an_event_type_matching_its_event_line_and_a_unique_increasing_id()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var stream = await emulator.StreamAsync(Ask("Explain how AI works"));

        var events = await stream.ReadAllAsync();

        Assert.All(events, e => Assert.Equal(e.Name, e.EventType));
        var ids = events.Select(e => e.EventId).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
    }

    [Fact]
    public async Task Splits_the_text_into_several_deltas_that_concatenate_to_the_answer()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var stream = await emulator.StreamAsync(Ask("Explain how AI works"));

        var events = await stream.ReadAllAsync();
        var completed = events[^1].Data!["interaction"]!;
        var fetched = await emulator.GetAsync((string)completed["id"]!);

        var texts = events.Where(e => e.EventType == "step.delta" && (string?)e.Data!["delta"]!["type"] == "text")
            .Select(e => (string)e.Data!["delta"]!["text"]!).ToList();
        Assert.True(texts.Count > 1);
        Assert.All(texts, t => Assert.NotEmpty(t));
        Assert.Equal(fetched.OutputText, string.Concat(texts));
    }

    [Fact]
    public async Task Ends_with_interaction_completed_carrying_the_final_status_and_usage()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var stream = await emulator.StreamAsync(Ask("Explain how AI works"));

        var completed = (await stream.ReadAllAsync())[^1].Data!["interaction"]!;
        var fetched = (await emulator.GetAsync((string)completed["id"]!)).Object;

        Assert.Equal("completed", (string?)completed["status"]);
        Assert.Equal("interaction", (string?)completed["object"]);
        Assert.Equal(fetched["usage"]!.ToJsonString(), completed["usage"]!.ToJsonString());
    }

    [Theory]
    [InlineData("""{"model":"gemini-3.5-flash","input":"Explain how AI works"}""")]
    [InlineData("""{"model":"gemini-3.5-flash","input":"What is the temperature in London and Paris?","tools":[{"type":"function","name":"get_current_temperature","parameters":{"type":"object","properties":{"location":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["location"]}},{"type":"function","name":"get_time","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}]}""")]
    [InlineData("""{"model":"gemini-3.5-flash","input":"Who won the euro 2024?","tools":[{"type":"google_search"}]}""")]
    [InlineData("""{"model":"gemini-3.1-flash-image","input":"Generate an image of a futuristic city skyline at sunset"}""")]
    [InlineData("""{"model":"gemini-3.5-flash","input":"Give me a recipe for banana bread","response_format":{"type":"text","mime_type":"application/json","schema":{"type":"object","properties":{"recipe_name":{"type":"string"},"ingredients":{"type":"array","items":{"type":"string"}}},"required":["recipe_name"]}}}""")]
    [InlineData("""{"agent":"antigravity-preview-05-2026","input":"Write a Python script that prints the first 20 Fibonacci numbers","environment":"remote"}""")]
    [InlineData("""{"model":"gemini-3.5-flash","input":"Explain tides","generation_config":{"thinking_summaries":"auto"}}""")]
    public async Task Merging_the_stream_by_the_reference_rules_rebuilds_exactly_the_steps_a_later_get_returns(string body)
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var stream = await emulator.StreamAsync(JsonNode.Parse(body)!.AsObject());

        var events = await stream.ReadAllAsync();
        var id = (string)events[0].Data!["interaction"]!["id"]!;
        var fetched = await emulator.GetAsync(id);

        var merged = StepMerger.Merge(events);
        var generated = new JsonArray(fetched.Steps.Skip(1).Select(s => s!.DeepClone()).ToArray());
        Assert.Equal("user_input", (string?)fetched.Steps[0]!["type"]);
        Assert.True(JsonNode.DeepEquals(generated, merged), $"stream: {merged.ToJsonString()}\nget: {generated.ToJsonString()}");
    }

    [Fact]
    public async Task Streams_a_function_call_as_a_start_without_arguments_then_argument_fragments()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Ask("What is the temperature in London?");
        body["tools"] = new JsonArray(WeatherTool());
        await using var stream = await emulator.StreamAsync(body);

        var events = await stream.ReadAllAsync();

        var start = events.Single(e => e.EventType == "step.start" && (string?)e.Data!["step"]!["type"] == "function_call");
        var index = (int)start.Data!["index"]!;
        Assert.StartsWith("call_", (string)start.Data["step"]!["id"]!, StringComparison.Ordinal);
        Assert.Equal("get_current_temperature", (string?)start.Data["step"]!["name"]);
        Assert.Null(start.Data["step"]!["arguments"]);
        var fragments = events.Where(e => e.EventType == "step.delta" && (int)e.Data!["index"]! == index).Select(e => e.Data!["delta"]!).ToList();
        Assert.All(fragments, f => Assert.Equal("arguments_delta", (string?)f["type"]));
        Assert.True(fragments.Count > 1);
        var arguments = JsonNode.Parse(string.Concat(fragments.Select(f => (string)f["arguments"]!)))!;
        Assert.Equal("London", (string?)arguments["location"]);
        Assert.Equal("requires_action", (string?)events[^1].Data!["interaction"]!["status"]);
    }

    [Fact]
    public async Task Never_streams_the_input_step()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var stream = await emulator.StreamAsync(Ask("hello"));

        var events = await stream.ReadAllAsync();

        Assert.DoesNotContain(events, e => e.EventType == "step.start" && (string?)e.Data!["step"]!["type"] == "user_input");
        Assert.Equal(0, (int)events.First(e => e.EventType == "step.start").Data!["index"]!);
    }
}
