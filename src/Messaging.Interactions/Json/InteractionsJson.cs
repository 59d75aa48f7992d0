using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
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
        Converters = { new JsonObjectViewConverterFactory() },
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

    /// <summary>Writes a node compactly; see <see cref="Write"/>.</summary>
    public static string Serialize(JsonNode? node)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions)) Write(writer, node);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Writes a node compactly. Leaves that were parsed (strings, numbers) are written as their
    /// original bytes, so escapes like <c>\u00d7</c> and number forms like <c>500.00</c> survive;
    /// only values this process created are encoded anew.
    /// </summary>
    public static void Write(Utf8JsonWriter writer, JsonNode? node)
    {
        ArgumentNullException.ThrowIfNull(writer);
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (name, value) in obj)
                {
                    writer.WritePropertyName(name);
                    Write(writer, value);
                }
                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array) Write(writer, item);
                writer.WriteEndArray();
                break;
            case JsonValue value when value.TryGetValue(out JsonElement element):
                writer.WriteRawValue(JsonMarshal.GetRawUtf8Value(element), skipInputValidation: true);
                break;
            default:
                node.WriteTo(writer, SerializerOptions);
                break;
        }
    }

    /// <summary>Deep copy (JsonNode instances can only have one parent).</summary>
    public static T Clone<T>(T node) where T : JsonNode => (T)node.DeepClone();
}
