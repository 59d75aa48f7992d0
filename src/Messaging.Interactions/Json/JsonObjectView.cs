using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Messaging.Interactions.Json;

/// <summary>
/// Base of every API model: a typed view over the JSON object it was read from. Nothing is copied
/// into fields, so unknown members and unknown types pass through untouched and
/// <see cref="ToJson"/> gives back exactly what was received (member order, number text, values).
/// Setters write into the same object, appending new members at the end as the API's own clients do.
/// </summary>
[JsonConverter(typeof(JsonObjectViewConverterFactory))]
public abstract class JsonObjectView
{
    /// <summary>Wraps <paramref name="json"/> (not copied: the view and the object are one).</summary>
    protected JsonObjectView(JsonObject json) => Json = json ?? throw new ArgumentNullException(nameof(json));

    /// <summary>The underlying JSON, including members this library does not know.</summary>
    public JsonObject Json { get; }

    /// <summary>The JSON text of this object.</summary>
    public string ToJson() => InteractionsJson.Serialize(Json);

    /// <inheritdoc />
    public override string ToString() => ToJson();

    /// <summary>Reads a string member; null when absent, null or not a string.</summary>
    protected string? GetString(string name) =>
        Json[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>Reads an integer member; null when absent or not a number.</summary>
    protected long? GetInt64(string name) =>
        Json[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out long l) ? l
        : Json[name] is JsonValue d && d.GetValueKind() == JsonValueKind.Number ? (long)d.GetValue<double>()
        : null;

    /// <summary>Reads a boolean member; null when absent or not a boolean.</summary>
    protected bool? GetBoolean(string name) =>
        (Json[name] as JsonValue)?.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        };

    /// <summary>Sets or, for null, removes a member.</summary>
    protected void Set(string name, JsonNode? value)
    {
        if (value is null) Json.Remove(name);
        else Json[name] = value.Parent is null ? value : value.DeepClone();
    }

    /// <summary>Sets or, for null, removes a string member.</summary>
    protected void SetString(string name, string? value) => Set(name, value is null ? null : JsonValue.Create(value));

    /// <summary>Reads an array member as a list of views made by <paramref name="factory"/>.</summary>
    protected IReadOnlyList<T> GetList<T>(string name, Func<JsonObject, T> factory)
    {
        if (Json[name] is not JsonArray array) return [];
        var list = new List<T>(array.Count);
        foreach (var item in array)
        {
            if (item is JsonObject o) list.Add(factory(o));
        }
        return list;
    }
}
