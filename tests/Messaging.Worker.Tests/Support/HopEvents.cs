using Messaging.Interactions.Streaming;

namespace Messaging.Worker.Tests.Support;

/// <summary>The API events of one hop, as its stream sends them.</summary>
internal static class HopEvents
{
    /// <summary>
    /// Created (with the model on the <paramref name="first"/> hop), one model_output step streamed in <paramref name="texts"/>,
    /// its stop, the completion with <paramref name="status"/> and usage. The delta carrying <paramref name="textWithoutEventId"/>
    /// has no <c>event_id</c>, as the live API sometimes sends.
    /// </summary>
    public static List<InteractionEvent> Of(string id, string status, string[] texts, int inputTokens = 1, int outputTokens = 1, bool first = true,
        string? textWithoutEventId = null)
    {
        var n = 0;
        var events = new List<InteractionEvent>
        {
            InteractionEvent.Parse(first
                ? $$$"""{"event_type":"interaction.created","event_id":"{{{id}}}-{{{n++}}}","interaction":{"id":"{{{id}}}","status":"in_progress","model":"gemini-3.5-flash"}}"""
                : $$$"""{"event_type":"interaction.created","event_id":"{{{id}}}-{{{n++}}}","interaction":{"id":"{{{id}}}","status":"in_progress"}}"""),
            InteractionEvent.Parse($$$"""{"event_type":"step.start","event_id":"{{{id}}}-{{{n++}}}","index":0,"step":{"type":"model_output"}}"""),
        };
        foreach (var text in texts)
        {
            var eventId = text == textWithoutEventId ? "" : $$$""","event_id":"{{{id}}}-{{{n++}}}" """.Trim();
            events.Add(InteractionEvent.Parse($$$"""{"event_type":"step.delta"{{{eventId}}},"index":0,"delta":{"type":"text","text":"{{{text}}}"}}"""));
        }
        events.Add(InteractionEvent.Parse($$$"""{"event_type":"step.stop","event_id":"{{{id}}}-{{{n++}}}","index":0}"""));
        var usage = $$"""{"total_input_tokens":{{inputTokens}},"total_output_tokens":{{outputTokens}}}""";
        events.Add(InteractionEvent.Parse($$"""{"event_type":"interaction.completed","event_id":"{{id}}-{{n}}","interaction":{"id":"{{id}}","status":"{{status}}","usage":""" + usage + "}}"));
        return events;
    }
}
