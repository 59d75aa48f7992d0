using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Interactions.Json;

namespace Messaging.Worker.Infrastructure;

/// <summary>
/// Moves API JSON between the client's <see cref="JsonNode"/> views and the contracts' <see cref="JsonElement"/>
/// members through the client's writer, which writes parsed values as their original bytes: what the API
/// sent is what the bus carries.
/// </summary>
internal static class ApiJson
{
    public static JsonElement ToElement(JsonNode? node)
    {
        if (node is null) return default;
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, InteractionsJson.WriterOptions)) InteractionsJson.Write(writer, node);
        using var document = JsonDocument.Parse(buffer.WrittenMemory, new JsonDocumentOptions { MaxDepth = 256 });
        return document.RootElement.Clone();
    }

    public static JsonObject ToObject(JsonElement element) => InteractionsJson.ParseObject(element.GetRawText());
}
