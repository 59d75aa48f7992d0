using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Messaging.Interactions.Json;

/// <summary>
/// The one place that decides how API JSON is read and written. Everything received is kept as a
/// <see cref="JsonObject"/>, which preserves member order and the original number text, so a step
/// written back is the step received: same members, same order, same values.
/// </summary>
public static class InteractionsJson
{
    /// <summary>
    /// Writer settings: compact, and escaping only what JSON requires, so base64 signatures and
    /// non-ASCII text are written as received (the default encoder would turn <c>+</c> into <c>\u002B</c>).
    /// </summary>
    public static JsonSerializerOptions SerializerOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };

    /// <summary>Writer options with the same escaping, for code that writes with <see cref="Utf8JsonWriter"/>.</summary>
    public static JsonWriterOptions WriterOptions { get; } = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = true,
    };

    /// <summary>Reader settings: strict JSON, as the API sends it.</summary>
    public static JsonDocumentOptions DocumentOptions { get; } = new() { MaxDepth = 256 };

    /// <summary>Parses an API object; throws <see cref="JsonException"/> when the text is not a JSON object.</summary>
    public static JsonObject ParseObject(string json) =>
        JsonNode.Parse(json, documentOptions: DocumentOptions) as JsonObject
        ?? throw new JsonException("Expected a JSON object.");

    /// <summary>Parses an API object from UTF-8 bytes.</summary>
    public static JsonObject ParseObject(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 256 });
        return JsonNode.Parse(ref reader) as JsonObject ?? throw new JsonException("Expected a JSON object.");
    }

    /// <summary>Writes a node compactly with the relaxed escaping above.</summary>
    public static string Serialize(JsonNode? node) => node is null ? "null" : node.ToJsonString(SerializerOptions);

    /// <summary>Deep copy (JsonNode instances can only have one parent).</summary>
    public static T Clone<T>(T node) where T : JsonNode => (T)node.DeepClone();
}
