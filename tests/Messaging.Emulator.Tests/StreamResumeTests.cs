using System.Text.Json.Nodes;
using Messaging.Emulator.Tests.Support;
using static Messaging.Emulator.Tests.Support.Interactions;

namespace Messaging.Emulator.Tests;

/// <summary>Reference §6.5: resuming streams with GET ?stream=true&amp;last_event_id.</summary>
public sealed class StreamResumeTests
{
    [Fact]
    public async Task Replays_the_events_after_the_last_event_id()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var original = await emulator.StreamAsync(Ask("Explain how AI works"));
        var events = await original.ReadAllAsync();
        var id = (string)events[0].Data!["interaction"]!["id"]!;

        await using var resumed = await emulator.StreamGetAsync(id, events[4].EventId);
        var replayed = await resumed.ReadAllAsync();

        Assert.Equal(events.Skip(5).Select(e => e.RawData), replayed.Select(e => e.RawData));
    }

    [Fact]
    public async Task Replays_everything_without_a_last_event_id()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var created = await emulator.CreateAsync(Ask("Explain how AI works"));

        await using var replay = await emulator.StreamGetAsync(created.Id);
        var events = await replay.ReadAllAsync();

        Assert.Equal("interaction.created", events[0].EventType);
        Assert.Equal("interaction.completed", events[^1].EventType);
        var merged = StepMerger.Merge(events);
        Assert.True(JsonNode.DeepEquals(created.Steps, merged));
    }

    [Fact]
    public async Task Follows_a_running_background_interaction_live_until_it_ends()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Ask("Explain how AI works");
        body["background"] = true;
        body["labels"] = new JsonObject { ["emulator_background_ms"] = "50", ["emulator_chunks"] = "6", ["emulator_chunk_delay_ms"] = "10" };
        var started = await emulator.CreateAsync(body);

        await using var first = await emulator.StreamGetAsync(started.Id);
        var head = await first.ReadAsync(2);
        await using var resumed = await emulator.StreamGetAsync(started.Id, head[^1].EventId);
        var tail = await resumed.ReadAllAsync();

        Assert.Equal("interaction.status_update", head[^1].EventType);
        Assert.Equal("step.start", tail[0].EventType);
        Assert.Equal("interaction.completed", tail[^1].EventType);
        Assert.Equal("completed", (string?)tail[^1].Data!["interaction"]!["status"]);
        Assert.Equal(6, tail.Count(e => e.EventType == "step.delta" && (string?)e.Data!["delta"]!["type"] == "text"));
    }

    [Fact]
    public async Task Resumes_a_cut_stream_where_it_broke()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Ask("Explain how AI works");
        body["labels"] = new JsonObject { ["emulator_fault"] = "cut_stream", ["emulator_fault_after"] = "4" };
        var received = new List<SseEvent>();
        await using (var cut = await emulator.StreamAsync(body))
        {
            await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                while (await cut.ReadAsync(TestEmulator.Ct) is { } next)
                {
                    received.Add(next);
                }
            });
        }

        var id = (string)received[0].Data!["interaction"]!["id"]!;
        await using var resumed = await emulator.StreamGetAsync(id, received[^1].EventId);
        var rest = await resumed.ReadAllAsync();

        Assert.Equal(4, received.Count);
        var all = received.Concat(rest).ToList();
        Assert.Equal("interaction.completed", all[^1].EventType);
        var stored = (await emulator.GetAsync(id)).Steps;
        Assert.True(JsonNode.DeepEquals(new JsonArray(stored.Skip(1).Select(s => s!.DeepClone()).ToArray()), StepMerger.Merge(all)));
        Assert.Equal(all.Select(e => e.EventId).Distinct().Count(), all.Count);
    }

    [Fact]
    public async Task Rejects_a_last_event_id_that_names_no_event()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var created = await emulator.CreateAsync(Ask("hi"));

        var response = await emulator.GetAsync(created.Id, "last_event_id=evt_99999999&stream=true");

        response.ShouldBeError(400, "INVALID_ARGUMENT");
        Assert.Contains("last_event_id", response.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_get_of_an_unknown_interaction_is_404()
    {
        await using var emulator = await TestEmulator.StartAsync();

        (await emulator.GetAsync("v1_missing", "stream=true")).ShouldBeError(404, "NOT_FOUND");
    }
}
