using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Messaging.Emulator.Json;

/// <summary>Shared JSON settings and small helpers for reading request nodes.</summary>
internal static class EmulatorJson
{
    // Relaxed escaping keeps non-ASCII text readable; the output is never embedded in HTML.
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    public static readonly JsonWriterOptions IndentedWriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = true,
    };

    public static readonly JsonSerializerOptions CompactSerializer = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static readonly JsonSerializerOptions IndentedSerializer = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = true,
    };

    public static string ToCompactString(JsonNode? node) =>
        node is null ? "null" : node.ToJsonString(CompactSerializer);

    public static JsonValueKind Kind(JsonNode? node) => node is null ? JsonValueKind.Null : node.GetValueKind();

    public static string? StringOrNull(JsonNode? node) =>
        node is not null && node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;

    public static string TypeOf(JsonObject obj) => StringOrNull(obj["type"]) ?? string.Empty;

    /// <summary>
    /// Walks the whole tree once: nodes parsed from text initialise their children lazily, and a
    /// stored node is later read from several threads at once (GET, streams, chained turns).
    /// </summary>
    public static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var member in obj)
                {
                    Materialize(member.Value);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Materialize(item);
                }

                break;
        }
    }

    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
