using System.Text.Json.Nodes;
using Messaging.Emulator.Tests.Support;
using static Messaging.Emulator.Tests.Support.Interactions;

namespace Messaging.Emulator.Tests;

/// <summary>Seed section 4, stateful: chaining with previous_interaction_id.</summary>
public sealed class ConversationTests
{
    [Fact]
    public async Task Remembers_facts_and_numbers_from_earlier_turns()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var first = await emulator.CreateAsync(Ask("I have 2 dogs in my house."));
        var body = Ask("How many paws are in my house?");
        body["previous_interaction_id"] = first.Id;

        var second = await emulator.CreateAsync(body);

        second.ShouldBeOk();
        Assert.Contains("There are 8 paws in your house", second.OutputText, StringComparison.Ordinal);
        Assert.Contains("you have 2 dogs in your house", second.OutputText, StringComparison.Ordinal);
        Assert.Equal(first.Id, (string?)second.Object["previous_interaction_id"]);
    }

    [Fact]
    public async Task Remembers_across_several_chained_turns()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var previous = (string?)null;
        foreach (var statement in new[] { "My name is Layla.", "I have 3 cats.", "I also have 1 bird." })
        {
            var body = Ask(statement);
            body["previous_interaction_id"] = previous;
            previous = (await emulator.CreateAsync(body)).Id;
        }

        var question = Ask("How many legs are there in total?");
        question["previous_interaction_id"] = previous;
        var answer = (await emulator.CreateAsync(question)).OutputText;

        Assert.Contains("There are 14 legs", answer, StringComparison.Ordinal);
        Assert.Contains("your name is Layla", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Treats_a_null_previous_interaction_id_as_absent()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var response = await emulator.CreateRawAsync("""{"model":"gemini-3.5-flash","input":"hi","previous_interaction_id":null}""");

        response.ShouldBeOk();
        Assert.Null(response.Object["previous_interaction_id"]);
    }

    [Fact]
    public async Task Answers_404_for_an_unknown_previous_interaction()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Ask("hi");
        body["previous_interaction_id"] = "v1_doesnotexist";

        var response = await emulator.CreateAsync(body);

        response.ShouldBeError(404, "NOT_FOUND");
        Assert.Contains("v1_doesnotexist", response.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refuses_to_chain_onto_an_interaction_that_is_still_running()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var running = Ask("Write a long essay");
        running["background"] = true;
        running["labels"] = new JsonObject { ["emulator_background_ms"] = "600000" };
        var started = await emulator.CreateAsync(running);
        var body = Ask("and then?");
        body["previous_interaction_id"] = started.Id;

        var response = await emulator.CreateAsync(body);

        response.ShouldBeError(400, "FAILED_PRECONDITION");
        (await emulator.CancelAsync(started.Id)).ShouldBeOk();
    }
}
