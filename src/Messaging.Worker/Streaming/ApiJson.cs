using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Interactions.Json;

namespace Messaging.Worker.Streaming;

/// <summary>
/// Moves API JSON between the client's <see cref="JsonNode"/> views and the contracts' <see cref="JsonElement"/>
/// members through the client's writer, which writes parsed values as their original bytes: what the API
/// sent is what the bus carries.
/// </summary>
internal static class ApiJson
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 256 };

    // Reused per thread: a relay converts every delta message, and the writer and its buffer need not be garbage.
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    public static JsonElement ToElement(JsonNode? node)
    {
        if (node is null) return default;
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, InteractionsJson.WriterOptions);
        writer.Reset(buffer);
        InteractionsJson.Write(writer, node);
        writer.Flush();
        // ParseValue copies the bytes into an element of its own: one copy, no pooled document to return.
        var reader = new Utf8JsonReader(buffer.WrittenSpan, ReaderOptions);
        var element = JsonElement.ParseValue(ref reader);
        if (buffer.Capacity > 1024 * 1024) t_buffer = null; // one huge step does not pin a huge buffer to the thread
        return element;
    }
}
