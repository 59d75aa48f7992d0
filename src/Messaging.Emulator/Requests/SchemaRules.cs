using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Emulator.Api;
using Messaging.Emulator.Json;

namespace Messaging.Emulator.Requests;

/// <summary>
/// The limits the emulator puts on JSON schemas (response_format and function parameters):
/// known <c>type</c> names, local <c>$ref</c>s that resolve, and bounded size and depth
/// (the real API rejects over-complex schemas with 400 as well).
/// </summary>
internal static class SchemaRules
{
    // As deep as a request may nest at all (CreateRequestParser.MaxDepth): a schema that parses is never too deep.
    private const int MaxDepth = CreateRequestParser.MaxDepth;
    private const int MaxNodes = 2000;
    private static readonly string[] Types = ["object", "array", "string", "integer", "number", "boolean", "null"];

    public static void Check(JsonObject schema, string path)
    {
        var nodes = 0;
        Walk(schema, schema, path, 0, ref nodes);
    }

    /// <summary>Resolves a local reference such as <c>#/$defs/Step</c> against the root schema.</summary>
    public static JsonObject? Resolve(JsonObject root, string reference)
    {
        if (reference == "#")
        {
            return root;
        }

        if (!reference.StartsWith("#/", StringComparison.Ordinal))
        {
            return null;
        }

        JsonNode? current = root;
        foreach (var raw in reference[2..].Split('/'))
        {
            var segment = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            current = current is JsonObject obj ? obj[segment] : null;
        }

        return current as JsonObject;
    }

    private static void Walk(JsonObject root, JsonNode? node, string path, int depth, ref int nodes)
    {
        if (++nodes > MaxNodes || depth > MaxDepth)
        {
            throw ApiException.InvalidArgument($"'{path}': the schema is too complex (more than {MaxNodes} nodes or nested deeper than {MaxDepth}).");
        }

        if (node is not JsonObject schema)
        {
            // true/false schemas are valid; anything else is not a schema.
            if (EmulatorJson.Kind(node) is not (JsonValueKind.True or JsonValueKind.False))
            {
                throw ApiException.InvalidArgument($"'{path}' must be a schema object.");
            }

            return;
        }

        CheckKeywords(root, schema, path);
        foreach (var (key, value) in schema)
        {
            switch (key)
            {
                case "properties" or "$defs" or "definitions" or "patternProperties" or "dependentSchemas" when value is JsonObject map:
                    foreach (var (name, member) in map)
                    {
                        Walk(root, member, $"{path}.{key}.{name}", depth + 1, ref nodes);
                    }

                    break;
                case "anyOf" or "oneOf" or "allOf" or "prefixItems" or "items" when value is JsonArray list:
                    for (var i = 0; i < list.Count; i++)
                    {
                        Walk(root, list[i], $"{path}.{key}[{i}]", depth + 1, ref nodes);
                    }

                    break;
                case "items" or "additionalProperties" or "additionalItems" or "not" or "if" or "then" or "else" or "contains"
                    or "propertyNames" or "unevaluatedItems" or "unevaluatedProperties":
                    Walk(root, value, $"{path}.{key}", depth + 1, ref nodes);
                    break;
            }
        }
    }

    private static void CheckKeywords(JsonObject root, JsonObject schema, string path)
    {
        switch (schema["type"])
        {
            case null:
                break;
            case JsonArray types:
                foreach (var type in types)
                {
                    CheckType(EmulatorJson.StringOrNull(type), path);
                }

                break;
            case var type:
                CheckType(EmulatorJson.StringOrNull(type), path);
                break;
        }

        if (schema["$ref"] is { } reference
            && (EmulatorJson.Kind(reference) != JsonValueKind.String || Resolve(root, reference.GetValue<string>()) is null))
        {
            throw ApiException.InvalidArgument(
                $"'{path}.$ref' must be a local reference that resolves inside the schema (e.g. '#/$defs/Name').");
        }
    }

    private static void CheckType(string? type, string path)
    {
        if (type is null || Array.IndexOf(Types, type) < 0)
        {
            throw ApiException.InvalidArgument($"'{path}.type': unknown schema type '{type}'; expected one of {string.Join(", ", Types)}.");
        }
    }
}
