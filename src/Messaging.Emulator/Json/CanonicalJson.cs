using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Messaging.Emulator.Json;

/// <summary>
/// A canonical JSON form for comparing and signing steps: object members sorted by name,
/// null members dropped (the API treats null as absent, and some SDKs dump every optional field
/// as null), numbers normalised. Two steps are "JSON-equal" when their canonical bytes match.
/// </summary>
internal static class CanonicalJson
{
    public static byte[] Digest(IEnumerable<JsonNode?> nodes, string? omitTopLevelMember = null)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, EmulatorJson.WriterOptions))
        {
            writer.WriteStartArray();
            foreach (var node in nodes)
            {
                Write(writer, node, omitTopLevelMember);
            }

            writer.WriteEndArray();
        }

        return SHA256.HashData(buffer.WrittenSpan);
    }

    public static bool AreEqual(JsonNode? left, JsonNode? right) =>
        Digest([left]).AsSpan().SequenceEqual(Digest([right]));

    private static void Write(Utf8JsonWriter writer, JsonNode? node, string? omitMember)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                var members = new List<KeyValuePair<string, JsonNode?>>(obj.Count);
                foreach (var member in obj)
                {
                    if (EmulatorJson.Kind(member.Value) != JsonValueKind.Null
                        && !string.Equals(member.Key, omitMember, StringComparison.Ordinal))
                    {
                        members.Add(member);
                    }
                }

                members.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
                writer.WriteStartObject();
                foreach (var member in members)
                {
                    writer.WritePropertyName(member.Key);
                    Write(writer, member.Value, null);
                }

                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    Write(writer, item, null);
                }

                writer.WriteEndArray();
                break;
            default:
                WriteValue(writer, node);
                break;
        }
    }

    private static void WriteValue(Utf8JsonWriter writer, JsonNode value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                writer.WriteStringValue(value.GetValue<string>());
                break;
            case JsonValueKind.True:
                writer.WriteBooleanValue(true);
                break;
            case JsonValueKind.False:
                writer.WriteBooleanValue(false);
                break;
            case JsonValueKind.Number:
                writer.WriteRawValue(NormalizeNumber(value.ToJsonString()), skipInputValidation: true);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    private static string NormalizeNumber(string raw)
    {
        if (long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return integer.ToString(CultureInfo.InvariantCulture);
        }

        return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var real)
            ? real.ToString("R", CultureInfo.InvariantCulture)
            : raw;
    }
}
