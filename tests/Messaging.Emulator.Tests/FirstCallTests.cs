using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Messaging.Emulator.Tests.Support;
using static Messaging.Emulator.Tests.Support.Interactions;

namespace Messaging.Emulator.Tests;

/// <summary>Seed section 2: the first call.</summary>
public sealed partial class FirstCallTests
{
    [Fact]
    public async Task Answers_a_string_input_with_an_interaction_shaped_like_the_seed()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var response = await emulator.CreateRawAsync("""{"model":"gemini-3.5-flash","input":"Explain how AI works in a few words"}""", "v1beta");

        response.ShouldBeOk();
        Assert.StartsWith("application/json", response.ContentType, StringComparison.Ordinal);
        var interaction = response.Object;
        Assert.Matches(IdPattern(), response.Id);
        Assert.Equal("interaction", (string?)interaction["object"]);
        Assert.Equal("completed", (string?)interaction["status"]);
        Assert.Equal("gemini-3.5-flash", (string?)interaction["model"]);
        Assert.Matches(TimestampPattern(), (string)interaction["created"]!);
        Assert.Matches(TimestampPattern(), (string)interaction["updated"]!);
        Assert.Equal(["thought", "model_output"], response.Steps.Select(s => (string)s!["type"]!));
        Assert.False(string.IsNullOrEmpty((string?)response.Steps[0]!["signature"]));
        Assert.Contains("Explain how AI works in a few words", response.OutputText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reports_usage_whose_total_is_the_sum_of_its_parts()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var usage = (await emulator.CreateAsync(Ask("Explain how AI works in a few words"))).Object["usage"]!;

        var input = (int)usage["total_input_tokens"]!;
        var output = (int)usage["total_output_tokens"]!;
        var thought = (int)usage["total_thought_tokens"]!;
        Assert.True(input > 0 && output > 0 && thought > 0);
        Assert.Equal(input + output + thought, (int)usage["total_tokens"]!);
    }

    [Fact]
    public async Task Gives_the_same_answer_to_the_same_request_with_new_ids()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var first = await emulator.CreateAsync(Ask("What is a black hole?"));
        var second = await emulator.CreateAsync(Ask("What is a black hole?"));
        var other = await emulator.CreateAsync(Ask("How do tides form?"));

        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(first.OutputText, second.OutputText);
        Assert.Equal(first.Object["usage"]!.ToJsonString(), second.Object["usage"]!.ToJsonString());
        Assert.NotEqual(first.OutputText, other.OutputText);
    }

    [Fact]
    public async Task Serves_both_api_versions()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var v1 = await emulator.CreateAsync(Ask("hi"), "v1");
        var v1beta = await emulator.CreateAsync(Ask("hi"), "v1beta");

        v1.ShouldBeOk();
        v1beta.ShouldBeOk();
        Assert.Equal(v1.OutputText, v1beta.OutputText);
    }

    [Fact]
    public async Task Accepts_and_ignores_alt_sse_key_and_api_revision()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var response = await emulator.CreateRawAsync(
            Ask("hi").ToJsonString(), "v1beta", new Dictionary<string, string> { ["Api-Revision"] = "2026-05-20" }, "?alt=sse&key=test-key");

        response.ShouldBeOk();
        Assert.StartsWith("application/json", response.ContentType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issues_opaque_url_safe_ids()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var id = (await emulator.CreateAsync(Ask("hi"))).Id;

        Assert.Equal(id, Uri.EscapeDataString(id));
        (await emulator.GetAsync(id)).ShouldBeOk();
    }

    [Fact]
    public async Task Echoes_the_request_configuration_like_the_resource_does()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Ask("hi");
        body["system_instruction"] = "Answer like a pirate.";
        body["labels"] = new JsonObject { ["team"] = "messaging" };

        var interaction = (await emulator.CreateAsync(body)).Object;

        Assert.Equal("Answer like a pirate.", (string?)interaction["system_instruction"]);
        Assert.Equal("messaging", (string?)interaction["labels"]!["team"]);
        Assert.Contains("Answer like a pirate.", OutputText(interaction["steps"]!.AsArray()), StringComparison.Ordinal);
    }

    [GeneratedRegex("^v1_[A-Za-z0-9_-]+$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")]
    private static partial Regex TimestampPattern();
}
