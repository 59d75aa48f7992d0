using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MassTransit.Serialization;
using Messaging.Contracts;

namespace Messaging.Worker.Intake;

/// <summary>
/// Reads an <see cref="InteractionRequested"/> without copying its request: the small members are deserialized as
/// MassTransit would (its options, names case-insensitive), the large one is the element where it already is.
/// </summary>
internal static class RequestMessageReader
{
    private static readonly Lazy<JsonSerializerOptions> Options = new(() =>
    {
        // MassTransit's options as the bus configured them (depth included), minus the members read in place.
        var stock = SystemTextJsonMessageSerializer.Options;
        return new JsonSerializerOptions(stock)
        {
            TypeInfoResolver = (stock.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(LeaveOutLargeMembers),
        };
    });

    /// <summary>MassTransit's options, except that an envelope's <c>message</c> and a request's <c>request</c> are skipped.</summary>
    public static JsonSerializerOptions WithoutLargeMembers => Options.Value;

    /// <summary>
    /// The message, its request the very element of <paramref name="body"/>'s document. A body that is not a JSON object
    /// reads (or fails) as MassTransit would read it.
    /// </summary>
    public static InteractionRequested? Read(object body)
    {
        var message = body is JsonElement element ? element : default;
        if (message.ValueKind != JsonValueKind.Object) return message.Deserialize<InteractionRequested>(SystemTextJsonMessageSerializer.Options);
        var read = message.Deserialize<InteractionRequested>(WithoutLargeMembers);
        return read is null ? null : read with { Request = Member(message, "request") ?? default };
    }

    /// <summary>An object's member by name, ignoring case as MassTransit's options do; the last one when it repeats.</summary>
    public static JsonElement? Member(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object) return null;
        JsonElement? found = null;
        foreach (var property in element.EnumerateObject())
        {
            if (property.NameEquals(name) || string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase)) found = property.Value;
        }
        return found;
    }

    private static void LeaveOutLargeMembers(JsonTypeInfo info)
    {
        var name = info.Type == typeof(JsonMessageEnvelope) ? "message" : info.Type == typeof(InteractionRequested) ? "request" : null;
        if (name is null) return;
        for (var i = info.Properties.Count - 1; i >= 0; i--)
        {
            if (string.Equals(info.Properties[i].Name, name, StringComparison.OrdinalIgnoreCase)) info.Properties.RemoveAt(i);
        }
    }
}
