using System.Text.Json.Nodes;
using Messaging.Emulator.Tests.Support;
using static Messaging.Emulator.Tests.Support.Interactions;

namespace Messaging.Emulator.Tests;

/// <summary>POST answers the turn's new steps; GET answers the interaction's whole timeline.</summary>
public sealed class TimelineTests
{
    [Fact]
    public async Task Create_returns_only_the_steps_generated_in_this_turn()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var created = await emulator.CreateAsync(Ask("Explain how AI works"));

        Assert.DoesNotContain(created.Steps, s => (string?)s!["type"] == "user_input");
    }

    [Fact]
    public async Task Get_returns_the_full_timeline_starting_with_the_user_input()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var created = await emulator.CreateAsync(Ask("Explain how AI works"));

        var fetched = await emulator.GetAsync(created.Id);

        fetched.ShouldBeOk();
        var first = fetched.Steps[0]!;
        Assert.Equal("user_input", (string?)first["type"]);
        Assert.Equal("Explain how AI works", (string?)first["content"]![0]!["text"]);
        var rest = new JsonArray(fetched.Steps.Skip(1).Select(s => s!.DeepClone()).ToArray());
        Assert.True(JsonNode.DeepEquals(created.Steps, rest));
        Assert.Equal(created.OutputText, fetched.OutputText);
        Assert.Null(fetched.Object["input"]);
    }

    [Fact]
    public async Task Get_with_include_input_echoes_the_input_as_sent()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var input = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "Describe tides" });
        var created = await emulator.CreateAsync(Body("gemini-3.5-flash", input));

        var fetched = await emulator.GetAsync(created.Id, "include_input=true&stream=false");

        Assert.True(JsonNode.DeepEquals(input, fetched.Object["input"]));
    }

    [Fact]
    public async Task A_chained_turn_shows_only_its_own_input_and_steps()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var first = await emulator.CreateAsync(Ask("I have 2 dogs in my house."));
        var body = Ask("How many paws are in my house?");
        body["previous_interaction_id"] = first.Id;
        var second = await emulator.CreateAsync(body);

        var fetched = await emulator.GetAsync(second.Id);

        Assert.Equal("How many paws are in my house?", (string?)fetched.Steps[0]!["content"]![0]!["text"]);
        Assert.Equal(1, fetched.Steps.Count(s => (string?)s!["type"] == "user_input"));
        Assert.Equal(first.Id, (string?)fetched.Object["previous_interaction_id"]);
    }

    [Fact]
    public async Task A_step_list_input_appears_in_the_timeline_with_string_content_typed_as_content_blocks()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var created = await emulator.CreateRawAsync("""{"model":"gemini-3.5-flash","input":[{"type":"user_input","content":"I have 2 dogs in my house."}]}""");

        var fetched = await emulator.GetAsync(created.Id);

        var content = fetched.Steps[0]!["content"]!.AsArray();
        Assert.Equal("text", (string?)content[0]!["type"]);
        Assert.Equal("I have 2 dogs in my house.", (string?)content[0]!["text"]);
    }
}
