using System.Text.Json.Nodes;
using Messaging.Emulator.Tests.Support;

namespace Messaging.Emulator.Tests;

/// <summary>Seed section 10: managed agents with a remote environment.</summary>
public sealed class ManagedAgentTests
{
    private const string Agent = "antigravity-preview-05-2026";

    [Fact]
    public async Task An_agent_with_a_remote_environment_reports_its_environment_id()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var response = await emulator.CreateRawAsync(
            """{"agent":"antigravity-preview-05-2026","input":"Write a Python script that generates the first 20 Fibonacci numbers and saves them to fibonacci.txt. Then read the file and print its contents.","environment":"remote"}""",
            "v1beta");

        response.ShouldBeOk();
        var interaction = response.Object;
        Assert.Equal(Agent, (string?)interaction["agent"]);
        Assert.Null(interaction["model"]);
        Assert.StartsWith("env_", (string)interaction["environment_id"]!, StringComparison.Ordinal);
        Assert.Equal(["thought", "code_execution_call", "code_execution_result", "model_output"], response.Steps.Select(s => (string)s!["type"]!));
        Assert.Equal((string?)response.Steps[1]!["id"], (string?)response.Steps[2]!["call_id"]);
        Assert.Contains("4181", (string)response.Steps[2]!["result"]!, StringComparison.Ordinal);
        Assert.Contains((string)interaction["environment_id"]!, response.OutputText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reuses_a_named_environment_and_keeps_the_sandbox_across_chained_turns()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var named = await emulator.CreateAsync(new JsonObject { ["agent"] = Agent, ["input"] = "ls", ["environment"] = "env_mine" });
        var first = await emulator.CreateAsync(new JsonObject { ["agent"] = Agent, ["input"] = "make a file", ["environment"] = "remote" });
        var second = await emulator.CreateAsync(new JsonObject
        {
            ["agent"] = Agent, ["input"] = "read it back", ["environment"] = "remote", ["previous_interaction_id"] = first.Id,
        });
        var byObject = await emulator.CreateAsync(new JsonObject
        {
            ["agent"] = Agent, ["input"] = "again", ["environment"] = new JsonObject { ["type"] = "remote", ["environment_id"] = "env_object" },
        });

        Assert.Equal("env_mine", (string?)named.Object["environment_id"]);
        Assert.Equal((string?)first.Object["environment_id"], (string?)second.Object["environment_id"]);
        Assert.Equal("env_object", (string?)byObject.Object["environment_id"]);
    }

    [Fact]
    public async Task An_agent_without_environment_has_no_environment_id()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var response = await emulator.CreateAsync(new JsonObject { ["agent"] = Agent, ["input"] = "hello" });

        response.ShouldBeOk();
        Assert.Null(response.Object["environment_id"]);
    }

    [Fact]
    public async Task A_research_agent_searches_and_cites()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var response = await emulator.CreateAsync(new JsonObject { ["agent"] = "deep-research-preview-04-2026", ["input"] = "History of the printing press" });

        Assert.Contains(response.Steps, s => (string?)s!["type"] == "google_search_call");
        Assert.NotEmpty(response.Steps[^1]!["content"]![0]!["annotations"]!.AsArray());
    }

    [Fact]
    public async Task Rejects_generation_config_on_an_agent()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var response = await emulator.CreateAsync(new JsonObject
        {
            ["agent"] = Agent, ["input"] = "hi", ["generation_config"] = new JsonObject { ["thinking_level"] = "low" },
        });

        response.ShouldBeError(400, "INVALID_ARGUMENT");
        Assert.Contains("generation_config", response.ErrorMessage, StringComparison.Ordinal);
    }
}
