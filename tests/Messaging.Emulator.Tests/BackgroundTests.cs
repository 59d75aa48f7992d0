using System.Text.Json.Nodes;
using Messaging.Emulator.Tests.Support;
using static Messaging.Emulator.Tests.Support.Interactions;

namespace Messaging.Emulator.Tests;

/// <summary>Seed section 11: background runs, polling, cancel and delete.</summary>
public sealed class BackgroundTests
{
    [Fact]
    public async Task Returns_in_progress_at_once_and_completes_later()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var started = await emulator.CreateAsync(Background("Write a detailed analysis of AI in healthcare.", "50"));
        var finished = await emulator.WaitUntilFinishedAsync(started.Id);

        started.ShouldBeOk();
        Assert.Equal("in_progress", (string?)started.Object["status"]);
        Assert.Null(started.Object["steps"]);
        Assert.Null(started.Object["usage"]);
        Assert.Equal("completed", (string?)finished["status"]);
        Assert.Contains("healthcare", OutputText(finished["steps"]!.AsArray()), StringComparison.Ordinal);
        Assert.NotNull(finished["usage"]);
    }

    [Fact]
    public async Task Get_shows_a_running_interaction_in_progress_with_its_input()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var started = await emulator.CreateAsync(Background("Write a long report", "600000"));

        var running = await emulator.GetAsync(started.Id);

        Assert.Equal("in_progress", (string?)running.Object["status"]);
        Assert.Equal(["user_input"], running.Steps.Select(s => (string)s!["type"]!));
        (await emulator.CancelAsync(started.Id)).ShouldBeOk();
    }

    [Fact]
    public async Task Cancel_stops_a_running_interaction()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var started = await emulator.CreateAsync(Background("Write a long report", "600000"));

        var cancelled = await emulator.CancelAsync(started.Id);
        var fetched = await emulator.GetAsync(started.Id);

        cancelled.ShouldBeOk();
        Assert.Equal("cancelled", (string?)cancelled.Object["status"]);
        Assert.Equal("cancelled", (string?)fetched.Object["status"]);
    }

    [Fact]
    public async Task Cancel_also_accepts_the_custom_method_form()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var started = await emulator.CreateAsync(Background("Write a long report", "600000"));

        var cancelled = await emulator.SendEmptyAsync(HttpMethod.Post, $"/v1beta/interactions/{started.Id}:cancel");

        cancelled.ShouldBeOk();
        Assert.Equal("cancelled", (string?)cancelled.Object["status"]);
    }

    [Fact]
    public async Task Cancel_of_a_finished_interaction_is_a_failed_precondition()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var finished = await emulator.CreateAsync(Ask("hi"));

        var response = await emulator.CancelAsync(finished.Id);

        response.ShouldBeError(400, "FAILED_PRECONDITION");
        Assert.Equal("completed", (string?)(await emulator.GetAsync(finished.Id)).Object["status"]);
    }

    [Fact]
    public async Task Delete_answers_200_with_an_empty_object_and_then_get_is_404()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var created = await emulator.CreateAsync(Ask("hi"));

        var deleted = await emulator.DeleteAsync(created.Id);
        var fetched = await emulator.GetAsync(created.Id);
        var again = await emulator.DeleteAsync(created.Id);

        Assert.Equal(200, deleted.Status);
        Assert.Equal("{}", deleted.Body);
        fetched.ShouldBeError(404, "NOT_FOUND");
        Assert.Equal("Interaction not found", fetched.ErrorMessage);
        again.ShouldBeError(404, "NOT_FOUND");
    }

    [Fact]
    public async Task Deleting_a_running_interaction_stops_it()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var started = await emulator.CreateAsync(Background("Write a long report", "600000"));

        (await emulator.DeleteAsync(started.Id)).ShouldBeOk();

        (await emulator.GetAsync(started.Id)).ShouldBeError(404, "NOT_FOUND");
    }

    [Fact]
    public async Task A_failing_background_run_is_reported_by_polling()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Background("Write a report", "20");
        body["labels"]!["emulator_fault"] = "failed";

        var started = await emulator.CreateAsync(body);
        var finished = await emulator.WaitUntilFinishedAsync(started.Id);

        Assert.Equal("failed", (string?)finished["status"]);
        var error = finished["errors"]!.AsArray().Single()!;
        Assert.False(string.IsNullOrEmpty((string?)error["code"]));
        Assert.Contains("emulator_fault=failed", (string)error["message"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Background_and_stream_together_stream_the_run()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Background("Write a short report", "10");
        await using var stream = await emulator.StreamAsync(body);

        var events = await stream.ReadAllAsync();

        Assert.Equal("interaction.created", events[0].EventType);
        Assert.Equal("in_progress", (string?)events[0].Data!["interaction"]!["status"]);
        Assert.Equal("completed", (string?)events[^1].Data!["interaction"]!["status"]);
    }

    [Fact]
    public async Task Background_requires_store()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Background("hi", "10");
        body["store"] = false;

        var response = await emulator.CreateAsync(body);

        response.ShouldBeError(400, "INVALID_ARGUMENT");
        Assert.Contains("store", response.ErrorMessage, StringComparison.Ordinal);
    }

    private static JsonObject Background(string input, string delayMs)
    {
        var body = Ask(input);
        body["background"] = true;
        body["labels"] = new JsonObject { ["emulator_background_ms"] = delayMs };
        return body;
    }
}
