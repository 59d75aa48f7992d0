using System.Text.Json.Nodes;
using Messaging.Emulator.Tests.Support;
using static Messaging.Emulator.Tests.Support.Interactions;

namespace Messaging.Emulator.Tests;

/// <summary>Controls through labels, x-emulator-* headers and configured defaults.</summary>
public sealed class ControlTests
{
    [Fact]
    public async Task The_chunks_label_sets_the_number_of_text_deltas()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Ask("Explain how AI works");
        body["labels"] = new JsonObject { ["emulator_chunks"] = "9" };

        Assert.Equal(9, await TextDeltasAsync(emulator, body));
    }

    [Fact]
    public async Task A_large_chunk_count_pads_the_answer_so_every_delta_holds_text()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Ask("hi");
        body["labels"] = new JsonObject { ["emulator_chunks"] = "500" };

        Assert.Equal(500, await TextDeltasAsync(emulator, body));
    }

    [Fact]
    public async Task The_chunks_header_sets_the_number_of_text_deltas()
    {
        await using var emulator = await TestEmulator.StartAsync();

        Assert.Equal(3, await TextDeltasAsync(emulator, Ask("Explain how AI works"), new Dictionary<string, string> { ["x-emulator-chunks"] = "3" }));
    }

    [Fact]
    public async Task A_label_wins_over_a_header_which_wins_over_the_configured_default()
    {
        await using var emulator = await TestEmulator.StartAsync(new EmulatorOptions { Chunks = 2 });
        var labelled = Ask("Explain how AI works");
        labelled["labels"] = new JsonObject { ["emulator_chunks"] = "7" };
        var header = new Dictionary<string, string> { ["x-emulator-chunks"] = "4" };

        Assert.Equal(2, await TextDeltasAsync(emulator, Ask("Explain how AI works")));
        Assert.Equal(4, await TextDeltasAsync(emulator, Ask("Explain how AI works"), header));
        Assert.Equal(7, await TextDeltasAsync(emulator, labelled, header));
    }

    [Fact]
    public async Task Options_changed_on_a_running_server_apply_to_the_next_request()
    {
        await using var emulator = await TestEmulator.StartAsync();

        emulator.Server.Options.Chunks = 6;

        Assert.Equal(6, await TextDeltasAsync(emulator, Ask("Explain how AI works")));
    }

    [Fact]
    public async Task A_fault_header_injects_the_fault()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var response = await emulator.CreateAsync(Ask("hi"), headers: new Dictionary<string, string> { ["x-emulator-fault"] = "rate_limit", ["x-emulator-retry-after-s"] = "4" });

        response.ShouldBeError(429, "RESOURCE_EXHAUSTED");
        Assert.Equal("4", response.Headers.GetValues("Retry-After").Single());
    }

    [Fact]
    public async Task Function_rounds_zero_answers_without_calling()
    {
        await using var emulator = await TestEmulator.StartAsync(new EmulatorOptions { FunctionRounds = 0 });
        var body = Ask("What is the temperature in London?");
        body["tools"] = new JsonArray(WeatherTool());

        Assert.Equal("completed", (string?)(await emulator.CreateAsync(body)).Object["status"]);
    }

    [Fact]
    public async Task Labels_are_passed_through_and_echoed()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Ask("hi");
        body["labels"] = new JsonObject { ["emulator_chunks"] = "2", ["team"] = "bus", ["run-id"] = "a1_b2" };

        var response = await emulator.CreateAsync(body);

        Assert.True(JsonNode.DeepEquals(body["labels"], response.Object["labels"]));
    }

    [Theory]
    [InlineData("emulator_chunk", "3", "emulator_chunk")]
    [InlineData("emulator_chunks", "0", "emulator_chunks")]
    [InlineData("emulator_chunks", "many", "emulator_chunks")]
    [InlineData("emulator_fault", "explode", "explode")]
    public async Task Rejects_an_unknown_control_or_an_unreadable_value(string key, string value, string named)
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Ask("hi");
        body["labels"] = new JsonObject { [key] = value };

        var response = await emulator.CreateAsync(body);

        response.ShouldBeError(400, "INVALID_ARGUMENT");
        Assert.Contains(named, response.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rejects_an_unknown_control_header()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var response = await emulator.CreateAsync(Ask("hi"), headers: new Dictionary<string, string> { ["x-emulator-speed"] = "fast" });

        response.ShouldBeError(400, "INVALID_ARGUMENT");
        Assert.Contains("x-emulator-speed", response.ErrorMessage, StringComparison.Ordinal);
    }

    private static async Task<int> TextDeltasAsync(TestEmulator emulator, JsonObject body, Dictionary<string, string>? headers = null)
    {
        await using var stream = await emulator.StreamAsync(body, headers);
        var events = await stream.ReadAllAsync();
        var texts = events.Where(e => e.EventType == "step.delta" && (string?)e.Data!["delta"]!["type"] == "text").ToList();
        Assert.All(texts, e => Assert.NotEmpty((string)e.Data!["delta"]!["text"]!));
        return texts.Count;
    }
}
