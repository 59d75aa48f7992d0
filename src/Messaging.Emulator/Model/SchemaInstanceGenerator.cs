using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Emulator.Json;
using Messaging.Emulator.Requests;

namespace Messaging.Emulator.Model;

/// <summary>
/// Builds a JSON value that conforms to a JSON schema, filled with words of the prompt:
/// objects with every property (required and optional), arrays within minItems/maxItems, enums,
/// consts, anyOf/oneOf (first usable branch), allOf (merged), local $refs, string formats
/// (date-time, date, time, email, uri, uuid, hostname, ipv4, ipv6), numeric bounds and
/// multipleOf, string lengths. Not supported: <c>pattern</c>, <c>not</c>, conditional schemas.
/// </summary>
internal sealed class SchemaInstanceGenerator(JsonObject root, WordSource words)
{
    private const int MaxDepth = 12;
    private const int PreferredItems = 3;

    private static readonly string[] PlaceNames = ["location", "city", "place", "country", "destination", "origin", "address", "region", "town", "where"];
    private static readonly string[] TextNames = ["description", "summary", "text", "content", "answer", "explanation", "instructions", "notes", "comment", "message", "reason"];

    public JsonNode? Generate() => Generate(root, "value", 0, 0);

    private JsonNode? Generate(JsonNode? node, string name, int index, int depth)
    {
        if (node is not JsonObject schema)
        {
            return EmulatorJson.Kind(node) == JsonValueKind.False ? null : JsonValue.Create(Phrase(name, index));
        }

        if (depth > MaxDepth * 2)
        {
            return null;
        }

        if (EmulatorJson.StringOrNull(schema["$ref"]) is { } reference && SchemaRules.Resolve(root, reference) is { } target)
        {
            return Generate(target, name, index, depth + 1);
        }

        if (schema.ContainsKey("const"))
        {
            return schema["const"]?.DeepClone();
        }

        if (schema["enum"] is JsonArray { Count: > 0 } members)
        {
            return PickMember(members, name, index);
        }

        if ((schema["anyOf"] ?? schema["oneOf"]) is JsonArray { Count: > 0 } branches)
        {
            return Generate(FirstUsableBranch(branches), name, index, depth + 1);
        }

        if (schema["allOf"] is JsonArray { Count: > 0 } parts)
        {
            return Generate(Merge(schema, parts), name, index, depth + 1);
        }

        return TypeOf(schema) switch
        {
            "object" => GenerateObject(schema, depth),
            "array" => GenerateArray(schema, name, depth),
            "integer" => JsonValue.Create(Integer(schema, name, index)),
            "number" => JsonValue.Create(Number(schema, name, index)),
            "boolean" => JsonValue.Create((StableHash.Of(words.Text, name) + (ulong)index) % 2 == 0),
            "null" => null,
            _ => JsonValue.Create(StringValue(schema, name, index)),
        };
    }

    private JsonObject GenerateObject(JsonObject schema, int depth)
    {
        var result = new JsonObject();
        if (schema["properties"] is not JsonObject properties)
        {
            return result;
        }

        var required = RequiredNames(schema);
        foreach (var (property, propertySchema) in properties)
        {
            // Deep in a recursive schema only the required members are filled, so generation ends.
            if (depth > MaxDepth && !required.Contains(property))
            {
                continue;
            }

            result[property] = Generate(propertySchema, property, 0, depth + 1);
        }

        return result;
    }

    private JsonArray GenerateArray(JsonObject schema, string name, int depth)
    {
        var minimum = NumberOf(schema["minItems"]) is { } min ? (int)Math.Max(0, min) : 0;
        var maximum = NumberOf(schema["maxItems"]) is { } max ? (int)Math.Max(0, max) : int.MaxValue;
        var preferred = depth > MaxDepth ? minimum : Math.Max(minimum, Math.Min(PreferredItems, maximum));
        var count = Math.Min(preferred, maximum);
        var prefix = schema["prefixItems"] as JsonArray;
        var items = schema["items"];
        var itemName = Singular(name);
        var result = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            var itemSchema = prefix is not null && i < prefix.Count ? prefix[i] : items;
            if (itemSchema is null && prefix is not null && i >= prefix.Count && minimum <= prefix.Count)
            {
                break;
            }

            result.Add(Generate(itemSchema ?? new JsonObject(), itemName, i, depth + 1));
        }

        return result;
    }

    private JsonNode? PickMember(JsonArray members, string name, int index)
    {
        // Prefer a member the prompt mentions ("in fahrenheit"), else one chosen by the prompt's hash.
        for (var i = 0; i < members.Count; i++)
        {
            if (EmulatorJson.StringOrNull(members[i]) is { Length: > 0 } member
                && words.Text.Contains(member, StringComparison.OrdinalIgnoreCase)
                && index == 0)
            {
                return members[i]!.DeepClone();
            }
        }

        var pick = (StableHash.Pick(StableHash.Of(words.Text, name), members.Count) + index) % members.Count;
        return members[pick]?.DeepClone();
    }

    private static JsonNode FirstUsableBranch(JsonArray branches)
    {
        foreach (var branch in branches)
        {
            if (branch is JsonObject obj && EmulatorJson.StringOrNull(obj["type"]) != "null")
            {
                return obj;
            }
        }

        return branches[0] ?? new JsonObject();
    }

    private JsonObject Merge(JsonObject schema, JsonArray parts)
    {
        var merged = new JsonObject();
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var part in parts.Prepend(schema))
        {
            var resolved = part is JsonObject obj && EmulatorJson.StringOrNull(obj["$ref"]) is { } reference
                ? SchemaRules.Resolve(root, reference)
                : part as JsonObject;
            if (resolved is null)
            {
                continue;
            }

            foreach (var (key, value) in resolved)
            {
                switch (key)
                {
                    case "allOf" or "$ref":
                        break;
                    case "properties" when value is JsonObject props:
                        foreach (var (property, propertySchema) in props)
                        {
                            properties[property] = propertySchema?.DeepClone();
                        }

                        break;
                    case "required" when value is JsonArray names:
                        foreach (var requiredName in names)
                        {
                            required.Add(requiredName?.DeepClone());
                        }

                        break;
                    default:
                        merged[key] = value?.DeepClone();
                        break;
                }
            }
        }

        if (properties.Count > 0)
        {
            merged["type"] ??= "object";
            merged["properties"] = properties;
            merged["required"] = required;
        }

        return merged;
    }

    private long Integer(JsonObject schema, string name, int index)
    {
        var (low, high) = Bounds(schema, integer: true);
        var value = PreferredNumber(name, index);
        value = Math.Clamp(value, (long)Math.Ceiling(low), (long)Math.Floor(high));
        if (NumberOf(schema["multipleOf"]) is { } step && step >= 1 && step == Math.Floor(step))
        {
            var multiple = (long)step;
            var rounded = (long)Math.Ceiling(value / (double)multiple) * multiple;
            value = rounded > high ? rounded - multiple : rounded;
        }

        return value;
    }

    private double Number(JsonObject schema, string name, int index)
    {
        var (low, high) = Bounds(schema, integer: false);
        var value = PreferredNumber(name, index) + 0.5;
        if (value < low || value > high)
        {
            value = double.IsInfinity(high) ? low + 1 : double.IsInfinity(low) ? high - 1 : low + ((high - low) / 2);
        }

        return value;
    }

    private static (double Low, double High) Bounds(JsonObject schema, bool integer)
    {
        var gap = integer ? 1 : 0.001;
        var low = NumberOf(schema["minimum"]) ?? (NumberOf(schema["exclusiveMinimum"]) is { } exclusiveLow ? exclusiveLow + gap : double.NegativeInfinity);
        var high = NumberOf(schema["maximum"]) ?? (NumberOf(schema["exclusiveMaximum"]) is { } exclusiveHigh ? exclusiveHigh - gap : double.PositiveInfinity);
        return high < low ? (low, low) : (low, high);
    }

    private long PreferredNumber(string name, int index)
    {
        if (index < words.Numbers.Count && !Has(name, "year"))
        {
            return words.Numbers[index];
        }

        var baseValue = Has(name, "year") ? 2026
            : Has(name, "minute") || Has(name, "time") ? 15
            : Has(name, "age") ? 30
            : Has(name, "temperature") ? 22
            : Has(name, "count") || Has(name, "number") || Has(name, "quantity") || Has(name, "servings") ? 4
            : 1 + StableHash.Pick(StableHash.Of(words.Text, name), 9);
        return baseValue + index;
    }

    private string StringValue(JsonObject schema, string name, int index)
    {
        var value = EmulatorJson.StringOrNull(schema["format"]) switch
        {
            "date-time" => new DateTime(2026, 6, 9, 12, 0, 0, DateTimeKind.Utc).AddDays(index).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            "date" => new DateTime(2026, 6, 9, 0, 0, 0, DateTimeKind.Utc).AddDays(index).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            "time" => string.Create(CultureInfo.InvariantCulture, $"{12 + (index % 12):D2}:00:00"),
            "email" or "idn-email" => $"{Slug(words.Keyword(index, "user"))}{Digits(index)}@example.com",
            "uri" or "url" or "iri" or "uri-reference" => $"https://example.com/{Slug(words.Keyword(index, "page"))}{Digits(index)}",
            "uuid" => Uuid(name, index),
            "hostname" or "idn-hostname" => $"{Slug(words.Keyword(index, "host"))}{Digits(index)}.example.com",
            "ipv4" => string.Create(CultureInfo.InvariantCulture, $"192.0.2.{10 + (index % 200)}"),
            "ipv6" => string.Create(CultureInfo.InvariantCulture, $"2001:db8::{index + 1:x}"),
            "duration" => string.Create(CultureInfo.InvariantCulture, $"PT{15 + index}M"),
            _ => Phrase(name, index),
        };

        return FitLength(schema, value);
    }

    private string Phrase(string name, int index)
    {
        if (PlaceNames.Any(place => Has(name, place)))
        {
            return index == 0 ? words.Name("Paris") : words.Name("Paris") + Suffix(index);
        }

        if (Has(name, "name") || Has(name, "title"))
        {
            return WordSource.TitleCase(words.Topic == "your question" ? "Untitled" : words.Topic) + Suffix(index);
        }

        if (TextNames.Any(text => Has(name, text)))
        {
            return $"A short note about {words.Topic}{Suffix(index)}.";
        }

        var keyword = words.Keyword(index, name.Replace('_', ' '));
        return index < words.Keywords.Count ? keyword : keyword + Suffix(index);
    }

    private static string FitLength(JsonObject schema, string value)
    {
        if (NumberOf(schema["minLength"]) is { } min && value.Length < min)
        {
            value = value.PadRight((int)min, '.');
        }

        if (NumberOf(schema["maxLength"]) is { } max && value.Length > max)
        {
            value = value[..(int)Math.Max(0, max)];
        }

        return value;
    }

    private string Uuid(string name, int index)
    {
        var bytes = new byte[16];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), StableHash.Of(words.Text, name));
        BitConverter.TryWriteBytes(bytes.AsSpan(8, 8), StableHash.Of(name, words.Text) + (ulong)index);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes).ToString();
    }

    private static HashSet<string> RequiredNames(JsonObject schema)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (schema["required"] is JsonArray required)
        {
            foreach (var item in required)
            {
                if (EmulatorJson.StringOrNull(item) is { } name)
                {
                    names.Add(name);
                }
            }
        }

        return names;
    }

    private static string TypeOf(JsonObject schema)
    {
        switch (schema["type"])
        {
            case JsonArray types:
                foreach (var type in types)
                {
                    if (EmulatorJson.StringOrNull(type) is { } name && name != "null")
                    {
                        return name;
                    }
                }

                return "null";
            case { } type when EmulatorJson.StringOrNull(type) is { } name:
                return name;
        }

        return schema.ContainsKey("properties") ? "object" : schema.ContainsKey("items") || schema.ContainsKey("prefixItems") ? "array" : "string";
    }

    private static double? NumberOf(JsonNode? node) =>
        EmulatorJson.Kind(node) == JsonValueKind.Number ? node!.GetValue<double>() : null;

    private static bool Has(string name, string part) => name.Contains(part, StringComparison.OrdinalIgnoreCase);

    private static string Suffix(int index) => index == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" {index + 1}");

    private static string Digits(int index) => index == 0 ? string.Empty : (index + 1).ToString(CultureInfo.InvariantCulture);

    private static string Singular(string name) =>
        name.EndsWith("ies", StringComparison.Ordinal) ? name[..^3] + "y"
        : name.EndsWith('s') && name.Length > 1 ? name[..^1]
        : name;

    private static string Slug(string text)
    {
        var slug = new string(text.ToLowerInvariant().Where(static c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9')).ToArray());
        return slug.Length == 0 ? "item" : slug;
    }
}
