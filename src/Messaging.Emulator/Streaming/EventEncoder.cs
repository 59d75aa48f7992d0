using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Emulator.Json;

namespace Messaging.Emulator.Streaming;

/// <summary>
/// Encodes SSE events once, as complete UTF-8 frames (<c>event: type\ndata: json\n\n</c>), so
/// every reader just copies bytes. Each JSON carries <c>event_type</c> and an increasing
/// <c>event_id</c> (<c>evt_00000001</c>…). One encoder per run: it reuses its buffer and writer.
/// </summary>
internal sealed class EventEncoder : IDisposable
{
    public const string EventIdPrefix = "evt_";

    private static readonly byte[] DataPrefix = "\ndata: "u8.ToArray();
    private static readonly byte[] FrameEnd = "\n\n"u8.ToArray();

    private readonly ArrayBufferWriter<byte> buffer = new(512);
    private readonly Utf8JsonWriter writer;

    public EventEncoder()
    {
        writer = new Utf8JsonWriter(buffer, EmulatorJson.WriterOptions);
    }

    public static bool TryParseEventId(string eventId, out int sequence)
    {
        sequence = 0;
        return eventId.StartsWith(EventIdPrefix, StringComparison.Ordinal)
            && int.TryParse(eventId.AsSpan(EventIdPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out sequence)
            && sequence > 0;
    }

    public byte[] Interaction(string eventType, int sequence, Action<Utf8JsonWriter> writeInteraction)
    {
        Begin();
        writer.WritePropertyName("interaction");
        writeInteraction(writer);
        return End(eventType, sequence);
    }

    public byte[] StatusUpdate(int sequence, string interactionId, string status)
    {
        Begin();
        writer.WriteString("interaction_id", interactionId);
        writer.WriteString("status", status);
        return End("interaction.status_update", sequence);
    }

    public byte[] StepStart(int sequence, int index, JsonObject step)
    {
        Begin();
        writer.WriteNumber("index", index);
        writer.WritePropertyName("step");
        step.WriteTo(writer);
        return End("step.start", sequence);
    }

    public byte[] TextDelta(int sequence, int index, string text)
    {
        Begin();
        writer.WriteNumber("index", index);
        writer.WriteStartObject("delta");
        writer.WriteString("text", text);
        writer.WriteString("type", "text");
        writer.WriteEndObject();
        return End("step.delta", sequence);
    }

    public byte[] Delta(int sequence, int index, JsonObject delta)
    {
        Begin();
        writer.WriteNumber("index", index);
        writer.WritePropertyName("delta");
        delta.WriteTo(writer);
        return End("step.delta", sequence);
    }

    public byte[] StepStop(int sequence, int index)
    {
        Begin();
        writer.WriteNumber("index", index);
        return End("step.stop", sequence);
    }

    public byte[] Error(int sequence, string code, string message)
    {
        Begin();
        writer.WriteStartObject("error");
        writer.WriteString("code", code);
        writer.WriteString("message", message);
        writer.WriteEndObject();
        return End("error", sequence);
    }

    public void Dispose() => writer.Dispose();

    private void Begin()
    {
        buffer.ResetWrittenCount();
        writer.Reset();
        writer.WriteStartObject();
    }

    private byte[] End(string eventType, int sequence)
    {
        writer.WriteString("event_type", eventType);
        Span<char> eventId = stackalloc char[16];
        EventIdPrefix.CopyTo(eventId);
        sequence.TryFormat(eventId[EventIdPrefix.Length..], out var digits, "D8", CultureInfo.InvariantCulture);
        writer.WriteString("event_id", eventId[..(EventIdPrefix.Length + digits)]);
        writer.WriteEndObject();
        writer.Flush();

        var typeLength = Encoding.UTF8.GetByteCount(eventType);
        var json = buffer.WrittenSpan;
        var frame = new byte[7 + typeLength + DataPrefix.Length + json.Length + FrameEnd.Length];
        var span = frame.AsSpan();
        "event: "u8.CopyTo(span);
        Encoding.UTF8.GetBytes(eventType, span[7..]);
        var offset = 7 + typeLength;
        DataPrefix.CopyTo(span[offset..]);
        offset += DataPrefix.Length;
        json.CopyTo(span[offset..]);
        FrameEnd.CopyTo(span[(offset + json.Length)..]);
        return frame;
    }
}
