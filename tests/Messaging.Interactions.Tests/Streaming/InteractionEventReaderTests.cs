using System.Text;
using Messaging.Interactions.Models.Deltas;
using Messaging.Interactions.Streaming;
using Messaging.Interactions.Tests.Support;

namespace Messaging.Interactions.Tests.Streaming;

public class InteractionEventReaderTests
{
    private static async Task<List<InteractionEvent>> ReadAll(string sse, int chunkSize = 4096)
    {
        var events = new List<InteractionEvent>();
        await using var stream = new TrickleStream(Encoding.UTF8.GetBytes(sse), chunkSize);
        await foreach (var e in InteractionEventReader.ReadAsync(stream, TestContext.Current.CancellationToken)) events.Add(e);
        return events;
    }

    [Fact]
    public async Task Reads_every_event_of_the_reference_stream_in_order()
    {
        var events = await ReadAll(JsonText.ReadFixture("reference-stream.sse"));

        Assert.Equal(26, events.Count);
        Assert.IsType<InteractionCreatedEvent>(events[0]);
        Assert.IsType<InteractionStatusUpdateEvent>(events[1]);
        Assert.IsType<UnknownInteractionEvent>(events[24]);
        Assert.Equal("requires_action", Assert.IsType<InteractionCompletedEvent>(events[25]).Interaction.Status.Value);
        Assert.Equal(Enumerable.Range(1, 26).Select(i => $"e{i}"), events.Select(e => e.EventId));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public async Task Multibyte_characters_split_across_reads_arrive_whole(int chunkSize)
    {
        const string text = "Zürich ≈ 東京 🚆";
        var sse = $"data: {{\"event_type\":\"step.delta\",\"index\":0,\"delta\":{{\"type\":\"text\",\"text\":\"{text}\"}}}}\n\n";

        var events = await ReadAll(sse, chunkSize);

        Assert.Equal(text, Assert.IsType<TextDelta>(Assert.IsType<StepDeltaEvent>(Assert.Single(events)).Delta).Text);
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\r")]
    [InlineData("\n")]
    public async Task Any_line_ending_frames_events(string eol)
    {
        var sse = $"event: step.stop{eol}data: {{\"event_type\":\"step.stop\",\"index\":1}}{eol}{eol}data: {{\"event_type\":\"step.stop\",\"index\":2}}{eol}{eol}";

        var events = await ReadAll(sse);

        Assert.Equal([1, 2], events.Cast<StepStopEvent>().Select(e => e.Index));
    }

    [Fact]
    public async Task Multi_line_data_is_joined_with_newlines()
    {
        const string sse = "data: {\"event_type\":\"step.delta\",\ndata: \"index\":4,\ndata: \"delta\":{\"type\":\"text\",\"text\":\"x\"}}\n\n";

        var events = await ReadAll(sse);

        Assert.Equal(4, Assert.IsType<StepDeltaEvent>(Assert.Single(events)).Index);
    }

    [Fact]
    public async Task Comments_and_data_less_events_are_skipped()
    {
        const string sse = ": keep-alive\n\nevent: ping\n\nid: 7\n\ndata: {\"event_type\":\"step.stop\",\"index\":0}\n\n: bye\n";

        var events = await ReadAll(sse);

        Assert.IsType<StepStopEvent>(Assert.Single(events));
    }

    [Fact]
    public async Task A_last_event_without_final_newline_is_still_read()
    {
        var events = await ReadAll("data: {\"event_type\":\"step.stop\",\"index\":9}");

        Assert.Equal(9, Assert.IsType<StepStopEvent>(Assert.Single(events)).Index);
    }

    [Fact]
    public async Task Done_marker_ends_the_stream()
    {
        const string sse = "data: {\"event_type\":\"step.stop\",\"index\":0}\n\ndata: [DONE]\n\ndata: {\"event_type\":\"step.stop\",\"index\":1}\n\n";

        var events = await ReadAll(sse);

        Assert.Single(events);
    }

    [Fact]
    public async Task The_json_event_type_decides_not_the_event_line()
    {
        var events = await ReadAll("event: step.start\ndata: {\"event_type\":\"step.stop\",\"index\":3}\n\n");

        Assert.IsType<StepStopEvent>(Assert.Single(events));
    }

    [Fact]
    public async Task Error_events_are_yielded_as_events()
    {
        var events = await ReadAll("data: {\"event_type\":\"error\",\"error\":{\"code\":\"quota\",\"message\":\"Out of quota\"}}\n\n");

        var error = Assert.IsType<ErrorEvent>(Assert.Single(events));
        Assert.Equal(("quota", "Out of quota"), (error.Error.Code, error.Error.Message));
    }

    [Fact]
    public async Task Malformed_data_raises_a_stream_exception()
    {
        await Assert.ThrowsAsync<InteractionStreamException>(() => ReadAll("data: {\"event_type\":\"step.st\n\n"));
    }
}
