using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Interactions.Json;

namespace Messaging.Interactions.Http;

/// <summary>
/// A JSON body written straight onto the request stream (chunked) instead of being serialized to a string and encoded
/// again. Values still backed by the JSON they were read from (a 15 MB inline image in a request that came over the bus)
/// are copied from their original bytes to the stream as they are, so no buffer ever holds them; only members this
/// process built go through a writer. Optionally sets one boolean member on the way out (the client's
/// <c>"stream": true</c>) without copying the body to change it. Hand-written because <see cref="Utf8JsonWriter"/>
/// buffers every value whole before it reaches the stream.
/// </summary>
internal sealed class JsonBodyContent(JsonObject body, string? setTrue = null) : HttpContent
{
    private const int ChunkBytes = 64 * 1024;
    private static readonly byte[] True = "true"u8.ToArray();
    private static readonly byte[][] Punctuation = [.. "{},:[]"u8.ToArray().Select(b => new[] { b })];

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        await SerializeToStreamAsync(stream, context, CancellationToken.None).ConfigureAwait(false);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        // Small pieces gather in one buffer (each write to a chunked request stream would be a chunk of its own).
        var buffered = new BufferedStream(stream, ChunkBytes); // not disposed: that would close the request stream
        await WriteObjectAsync(buffered, body, setTrue, cancellationToken).ConfigureAwait(false);
        await buffered.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    private static async Task WriteObjectAsync(Stream stream, JsonObject obj, string? setTrue, CancellationToken cancellationToken)
    {
        await PunctuateAsync(stream, '{', cancellationToken).ConfigureAwait(false);
        var first = true;
        foreach (var (name, value) in obj)
        {
            if (name == setTrue) continue;
            await WriteNameAsync(stream, name, first, cancellationToken).ConfigureAwait(false);
            first = false;
            await WriteValueAsync(stream, value, cancellationToken).ConfigureAwait(false);
        }
        if (setTrue is not null)
        {
            await WriteNameAsync(stream, setTrue, first, cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(True, cancellationToken).ConfigureAwait(false);
        }
        await PunctuateAsync(stream, '}', cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteNameAsync(Stream stream, string name, bool first, CancellationToken cancellationToken)
    {
        if (!first) await PunctuateAsync(stream, ',', cancellationToken).ConfigureAwait(false);
        await WriteWithWriterAsync(stream, w => w.WriteStringValue(JsonEncodedText.Encode(name, InteractionsJson.WriterOptions.Encoder)), cancellationToken).ConfigureAwait(false);
        await PunctuateAsync(stream, ':', cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteValueAsync(Stream stream, JsonNode? value, CancellationToken cancellationToken)
    {
        switch (value)
        {
            case JsonObject obj:
                await WriteObjectAsync(stream, obj, null, cancellationToken).ConfigureAwait(false);
                break;
            case JsonArray array:
                await PunctuateAsync(stream, '[', cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0) await PunctuateAsync(stream, ',', cancellationToken).ConfigureAwait(false);
                    await WriteValueAsync(stream, array[i], cancellationToken).ConfigureAwait(false);
                }
                await PunctuateAsync(stream, ']', cancellationToken).ConfigureAwait(false);
                break;
            case JsonValue leaf when leaf.TryGetValue(out JsonElement element):
                // Its bytes as received: no buffer, no re-escaping (signatures and number text stay exact).
                await WriteRawAsync(stream, element, cancellationToken).ConfigureAwait(false);
                break;
            default:
                await WriteWithWriterAsync(stream, w => InteractionsJson.Write(w, value), cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private static Task PunctuateAsync(Stream stream, char mark, CancellationToken cancellationToken) =>
        stream.WriteAsync(Punctuation["{},:[]".IndexOf(mark, StringComparison.Ordinal)], cancellationToken).AsTask();

    /// <summary>The element's original bytes, through one pooled chunk at a time (a span cannot cross an await).</summary>
    private static async Task WriteRawAsync(Stream stream, JsonElement element, CancellationToken cancellationToken)
    {
        var length = JsonMarshal.GetRawUtf8Value(element).Length;
        var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Min(length, ChunkBytes));
        try
        {
            for (var at = 0; at < length; at += chunk.Length)
            {
                var count = Math.Min(chunk.Length, length - at);
                JsonMarshal.GetRawUtf8Value(element).Slice(at, count).CopyTo(chunk);
                await stream.WriteAsync(chunk.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private static async Task WriteWithWriterAsync(Stream stream, Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        await using var writer = new Utf8JsonWriter(stream, InteractionsJson.WriterOptions);
        write(writer);
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
