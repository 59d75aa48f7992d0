using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Messaging.Interactions.Json;

namespace Messaging.Interactions.Streaming;

/// <summary>
/// Reads interaction events from a <c>text/event-stream</c> body. Framing (multi-line data, comments,
/// <c>\r\n</c>/<c>\r</c>/<c>\n</c> line ends, UTF-8 split across reads, a missing final newline) is
/// handled by the runtime's own <see cref="SseParser"/>; this adds what the official SDK does on top:
/// data-less events are skipped, a last event without its closing blank line is kept, <c>data: [DONE]</c> ends the stream, and the JSON decides the type.
/// </summary>
public static class InteractionEventReader
{
    private static ReadOnlySpan<byte> Done => "[DONE]"u8;

    /// <summary>Yields the events of <paramref name="sseBody"/> until it ends or sends <c>[DONE]</c>.</summary>
    /// <exception cref="InteractionStreamException">An event's data is not a JSON object.</exception>
    public static async IAsyncEnumerable<InteractionEvent> ReadAsync(
        Stream sseBody, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var parser = SseParser.Create(new TerminatedStream(sseBody), ParseItem);
        await foreach (var item in parser.EnumerateAsync(cancellationToken).ConfigureAwait(false))
        {
            switch (item.Data.Kind)
            {
                case ParsedKind.Empty: continue;
                case ParsedKind.Done: yield break;
                case ParsedKind.Malformed: throw new InteractionStreamException($"Malformed event data in the stream: {item.Data.Error}");
                default:
                    yield return item.Data.Event!;
                    break;
            }
        }
    }

    private static Parsed ParseItem(string eventType, ReadOnlySpan<byte> data)
    {
        var trimmed = data.Trim(" \t\r\n"u8);
        if (trimmed.IsEmpty) return Parsed.Empty;
        if (trimmed.SequenceEqual(Done)) return Parsed.DoneMarker;
        try
        {
            return new Parsed(ParsedKind.Event, InteractionEvent.From(InteractionsJson.ParseObject(data)), null);
        }
        catch (JsonException ex)
        {
            return new Parsed(ParsedKind.Malformed, null, ex.Message);
        }
    }

    private enum ParsedKind { Event, Empty, Done, Malformed }

    private sealed record Parsed(ParsedKind Kind, InteractionEvent? Event, string? Error)
    {
        public static readonly Parsed Empty = new(ParsedKind.Empty, null, null);
        public static readonly Parsed DoneMarker = new(ParsedKind.Done, null, null);
    }
}
