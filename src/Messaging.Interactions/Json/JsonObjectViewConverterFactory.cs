using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Messaging.Interactions.Json;

/// <summary>
/// Lets any <see cref="JsonObjectView"/> be (de)serialised by System.Text.Json as its raw object,
/// so models can sit inside other serialised types (e.g. bus messages) without losing anything.
/// </summary>
public sealed class JsonObjectViewConverterFactory : JsonConverterFactory
{
    /// <inheritdoc />
    public override bool CanConvert(Type typeToConvert) => typeof(JsonObjectView).IsAssignableFrom(typeToConvert);

    /// <inheritdoc />
    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(ViewConverter<>).MakeGenericType(typeToConvert))!;

    private sealed class ViewConverter<T> : JsonConverter<T> where T : JsonObjectView
    {
        private static readonly Func<JsonObject, T> Factory = CreateFactory();

        public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Null) return null;
            var node = JsonNode.Parse(ref reader) as JsonObject ?? throw new JsonException($"Expected a JSON object for {typeof(T).Name}.");
            return Factory(node);
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => InteractionsJson.Write(writer, value.Json);

        private static Func<JsonObject, T> CreateFactory()
        {
            // Polymorphic families expose a static From(JsonObject) that picks the concrete type.
            var from = typeof(T).GetMethod("From", BindingFlags.Public | BindingFlags.Static, [typeof(JsonObject)]);
            if (from is not null && typeof(T).IsAssignableFrom(from.ReturnType))
                return o => (T)from.Invoke(null, [o])!;
            var ctor = typeof(T).GetConstructor([typeof(JsonObject)])
                ?? throw new InvalidOperationException($"{typeof(T).Name} needs a public (JsonObject) constructor or a static From(JsonObject).");
            return o => (T)ctor.Invoke([o]);
        }
    }
}
