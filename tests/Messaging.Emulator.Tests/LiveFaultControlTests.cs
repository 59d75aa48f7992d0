using System.Text.Json.Nodes;
using Messaging.Emulator.Tests.Support;
using static Messaging.Emulator.Tests.Support.Interactions;

namespace Messaging.Emulator.Tests;

/// <summary>The live API's stream faults as controls: a 503 as bare JSON mid-stream, and resumes that are refused or hang.</summary>
public sealed class LiveFaultControlTests
{
    [Fact]
    public async Task A_bare_json_error_ends_the_stream_after_the_given_events_without_completing_it()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Ask("Explain how AI works");
        body["labels"] = new JsonObject { ["emulator_fault"] = "bare_json_error", ["emulator_fault_after"] = "4" };

        await using var stream = await emulator.StreamAsync(body);
        var events = await stream.ReadAllAsync();

        Assert.Equal(4, events.Count); // the JSON line is no SSE event: a client sees the body end early
        Assert.DoesNotContain(events, e => e.EventType == "interaction.completed");
    }

    [Fact]
    public async Task A_resume_of_an_interaction_created_with_unknown_name_stream_is_refused_with_400()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var (id, events) = await StreamedWithResumeFaultAsync(emulator, "unknown_name_stream");

        await using var resumed = await emulator.StreamGetAsync(id, events[2].EventId);
        await using var whole = await emulator.StreamGetAsync(id);

        Assert.Equal(400, resumed.Status);
        Assert.Equal(200, whole.Status); // only a resume (with last_event_id) is refused
    }

    [Fact]
    public async Task A_resume_of_an_interaction_created_with_replay_then_hang_sends_two_events_and_goes_silent()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var (id, events) = await StreamedWithResumeFaultAsync(emulator, "replay_then_hang");

        await using var resumed = await emulator.StreamGetAsync(id, events[2].EventId);
        var replayed = await resumed.ReadAsync(2);
        using var quiet = CancellationTokenSource.CreateLinkedTokenSource(TestEmulator.Ct);
        quiet.CancelAfter(TimeSpan.FromMilliseconds(300));
        var third = resumed.ReadAsync(quiet.Token);

        Assert.Equal(events.Skip(3).Take(2).Select(e => e.RawData), replayed.Select(e => e.RawData));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => third);
    }

    [Fact]
    public async Task An_unknown_resume_fault_is_rejected()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Ask("Explain how AI works");
        body["labels"] = new JsonObject { ["emulator_resume_fault"] = "sometimes" };

        var response = await emulator.CreateAsync(body);

        Assert.Equal(400, response.Status);
        Assert.Contains("unknown_name_stream", response.Body, StringComparison.Ordinal);
    }

    /// <summary>An interaction created (and streamed to its end) with <c>emulator_resume_fault</c>: its id and events.</summary>
    private static async Task<(string Id, List<SseEvent> Events)> StreamedWithResumeFaultAsync(TestEmulator emulator, string fault)
    {
        var body = Ask("Explain how AI works");
        body["labels"] = new JsonObject { ["emulator_resume_fault"] = fault };
        await using var original = await emulator.StreamAsync(body);
        var events = await original.ReadAllAsync();
        return ((string)events[0].Data!["interaction"]!["id"]!, events);
    }
}
