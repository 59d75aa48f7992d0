using System.Text.Json.Nodes;
using Messaging.Emulator.Tests.Support;
using static Messaging.Emulator.Tests.Support.Interactions;

namespace Messaging.Emulator.Tests;

/// <summary>Reference §7: continuation hops (label emulator_continuation_hops).</summary>
public sealed class ContinuationTests
{
    [Fact]
    public async Task The_first_hops_require_continuation_and_the_last_completes()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var plain = (await emulator.CreateAsync(Ask("Explain how AI works"))).OutputText;
        var body = Ask("Explain how AI works");
        body["labels"] = new JsonObject { ["emulator_continuation_hops"] = "2", ["emulator_chunks"] = "1" };

        var hops = new List<ApiResponse> { await emulator.CreateAsync(body) };
        while ((string?)hops[^1].Object["status"] == "requires_continuation")
        {
            var next = body.DeepClone().AsObject();
            next.Remove("input");
            next["continuation_token"] = (string?)hops[^1].Object["continuation_token"];
            next["previous_interaction_id"] = hops[^1].Id;
            hops.Add(await emulator.CreateAsync(next));
        }

        Assert.Equal(["requires_continuation", "requires_continuation", "completed"], hops.Select(h => (string)h.Object["status"]!));
        Assert.All(hops.Take(2), h => Assert.False(string.IsNullOrEmpty((string?)h.Object["continuation_token"])));
        Assert.Null(hops[^1].Object["continuation_token"]);
        Assert.Equal(plain, string.Concat(hops.Select(h => h.OutputText)));
    }

    [Fact]
    public async Task A_stateless_continuation_resends_the_input_with_the_token()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Ask("Explain how AI works");
        body["store"] = false;
        body["labels"] = new JsonObject { ["emulator_continuation_hops"] = "1" };

        var first = await emulator.CreateAsync(body);
        var next = body.DeepClone().AsObject();
        next["continuation_token"] = (string?)first.Object["continuation_token"];
        var second = await emulator.CreateAsync(next);

        Assert.Equal("requires_continuation", (string?)first.Object["status"]);
        Assert.Equal("completed", (string?)second.Object["status"]);
        Assert.NotEqual(first.OutputText, second.OutputText);
    }

    [Fact]
    public async Task A_streamed_hop_ends_with_requires_continuation_and_the_token()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Ask("Explain how AI works");
        body["labels"] = new JsonObject { ["emulator_continuation_hops"] = "1" };
        await using var stream = await emulator.StreamAsync(body);

        var completed = (await stream.ReadAllAsync())[^1].Data!["interaction"]!;

        Assert.Equal("requires_continuation", (string?)completed["status"]);
        Assert.False(string.IsNullOrEmpty((string?)completed["continuation_token"]));
    }

    [Fact]
    public async Task Rejects_a_forged_token_or_one_chained_to_the_wrong_interaction()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Ask("Explain how AI works");
        body["labels"] = new JsonObject { ["emulator_continuation_hops"] = "1" };
        var first = await emulator.CreateAsync(body);
        var other = await emulator.CreateAsync(Ask("hi"));

        var forged = new JsonObject { ["model"] = "gemini-3.5-flash", ["continuation_token"] = "bm90LWEtdG9rZW4.AAAA", ["previous_interaction_id"] = first.Id };
        var misplaced = new JsonObject { ["model"] = "gemini-3.5-flash", ["continuation_token"] = (string?)first.Object["continuation_token"], ["previous_interaction_id"] = other.Id };

        (await emulator.CreateAsync(forged)).ShouldBeError(400, "INVALID_ARGUMENT");
        (await emulator.CreateAsync(misplaced)).ShouldBeError(400, "INVALID_ARGUMENT");
    }
}
