using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Messaging.Client;
using Messaging.Contracts;

namespace Messaging.Worker.Conversations;

/// <summary>
/// Builds the create bodies the saga publishes, splicing API JSON as raw text so every resent step keeps its
/// exact bytes (thought signatures, function calls). Members of the template keep their order; the saga's own
/// members (<c>input</c>, <c>previous_interaction_id</c>, <c>store</c>) follow.
/// </summary>
internal static class ConversationRequests
{
    private static readonly string[] ContentTypes = ["text", "image", "audio", "video", "document"];
    private static readonly string[] PerRequestMembers = ["input", "previous_interaction_id", "stream", "continuation_token"];

    /// <summary>
    /// How the saga reads what it keeps: as deep as the bodies it builds may nest (a request at the worker's limit, its
    /// history inside another request). The default of 64 would fault a conversation the worker serves.
    /// </summary>
    public static readonly JsonDocumentOptions Reading = new() { MaxDepth = Depth };

    private const int Depth = 2 * MessageNesting.MaxRequestDepth;

    /// <summary>The part of a create body every request of a turn repeats: all but its input and chaining.</summary>
    public static string Template(JsonElement request)
    {
        if (request.ValueKind != JsonValueKind.Object) return "{}";
        return WriteObject(writer =>
        {
            foreach (var member in request.EnumerateObject())
            {
                if (PerRequestMembers.Contains(member.Name)) continue;
                writer.WritePropertyName(member.Name);
                writer.WriteRawValue(Raw(member.Value), skipInputValidation: true);
            }
        });
    }

    /// <summary>The template with a turn's overrides applied: their members replace or join the template's; a model replaces an agent and the reverse.</summary>
    public static string Merge(string template, JsonElement overrides)
    {
        if (overrides.ValueKind != JsonValueKind.Object) return template;
        using var document = JsonDocument.Parse(template, Reading);
        var replaced = overrides.EnumerateObject().Select(m => m.Name).Where(n => !PerRequestMembers.Contains(n)).ToHashSet();
        if (replaced.Contains("model")) replaced.Add("agent");
        if (replaced.Contains("agent")) replaced.Add("model");
        return WriteObject(writer =>
        {
            foreach (var member in document.RootElement.EnumerateObject())
            {
                if (replaced.Contains(member.Name)) continue;
                writer.WritePropertyName(member.Name);
                writer.WriteRawValue(Raw(member.Value), skipInputValidation: true);
            }
            foreach (var member in overrides.EnumerateObject())
            {
                if (PerRequestMembers.Contains(member.Name) || member.Value.ValueKind == JsonValueKind.Null) continue;
                writer.WritePropertyName(member.Name);
                writer.WriteRawValue(Raw(member.Value), skipInputValidation: true);
            }
        });
    }

    /// <summary>True when the body asks the API not to store the interaction (<c>store: false</c>): the history then travels with every request.</summary>
    public static bool IsStateless(string template)
    {
        using var document = JsonDocument.Parse(template, Reading);
        return document.RootElement.TryGetProperty("store", out var store) && store.ValueKind == JsonValueKind.False;
    }

    /// <summary>True when the body names a model or an agent.</summary>
    public static bool NamesModelOrAgent(JsonElement request) =>
        request.ValueKind == JsonValueKind.Object
        && ((request.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.String)
            || (request.TryGetProperty("agent", out var agent) && agent.ValueKind == JsonValueKind.String));

    /// <summary>
    /// Any input form as a list of steps (raw JSON array): a string, a content block or a content list becomes one
    /// <c>user_input</c> step; a list of steps is kept as it is.
    /// </summary>
    public static string InputSteps(JsonElement input)
    {
        switch (input.ValueKind)
        {
            case JsonValueKind.String:
                return WriteArray(writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("type", "user_input");
                    writer.WriteStartArray("content");
                    writer.WriteStartObject();
                    writer.WriteString("type", "text");
                    writer.WritePropertyName("text");
                    writer.WriteRawValue(Raw(input), skipInputValidation: true);
                    writer.WriteEndObject();
                    writer.WriteEndArray();
                    writer.WriteEndObject();
                });
            case JsonValueKind.Object:
                return UserInput("[" + Raw(input) + "]");
            case JsonValueKind.Array:
                var first = input.EnumerateArray().FirstOrDefault();
                var isContent = first.ValueKind == JsonValueKind.Object && first.TryGetProperty("type", out var type)
                                && type.ValueKind == JsonValueKind.String && ContentTypes.Contains(type.GetString());
                return isContent ? UserInput(Raw(input)) : Raw(input);
            default:
                return "[]";
        }
    }

    /// <summary>Raw JSON arrays joined into one, elements untouched.</summary>
    public static string Concat(params string?[] arrays)
    {
        var builder = new StringBuilder("[");
        var first = true;
        foreach (var array in arrays)
        {
            if (string.IsNullOrEmpty(array)) continue;
            using var document = JsonDocument.Parse(array, Reading);
            foreach (var element in document.RootElement.EnumerateArray())
            {
                if (!first) builder.Append(',');
                builder.Append(Raw(element));
                first = false;
            }
        }
        return builder.Append(']').ToString();
    }

    /// <summary>The <c>function_result</c> step for an executor's result.</summary>
    public static string ResultStep(FunctionResultSubmitted result, string name) => WriteObject(writer =>
    {
        writer.WriteString("type", "function_result");
        writer.WriteString("call_id", result.CallId);
        writer.WriteString("name", string.IsNullOrEmpty(result.Name) ? name : result.Name);
        writer.WritePropertyName("result");
        writer.WriteRawValue(Raw(result.Result), skipInputValidation: true);
        if (result.IsError) writer.WriteBoolean("is_error", true);
    });

    /// <summary>A stateful request: the template, the input, and the interaction it chains from.</summary>
    public static JsonElement Chained(string template, string input, string? previousInteractionId) => Body(template, writer =>
    {
        writer.WritePropertyName("input");
        writer.WriteRawValue(input, skipInputValidation: true);
        if (previousInteractionId is not null) writer.WriteString("previous_interaction_id", previousInteractionId);
    });

    /// <summary>A stateless request: the template with <c>store: false</c> and the whole history as input.</summary>
    public static JsonElement WithHistory(string template, string history) => Body(template, writer =>
    {
        writer.WritePropertyName("input");
        writer.WriteRawValue(history, skipInputValidation: true);
    }, forceStateless: true);

    /// <summary>The raw JSON text of an element, exactly as it was received.</summary>
    public static string Raw(JsonElement element) =>
        element.ValueKind == JsonValueKind.Undefined ? "null" : Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8Value(element));

    private static JsonElement Body(string template, Action<Utf8JsonWriter> append, bool forceStateless = false)
    {
        using var document = JsonDocument.Parse(template, Reading);
        var text = WriteObject(writer =>
        {
            foreach (var member in document.RootElement.EnumerateObject())
            {
                if (forceStateless && member.Name == "store") continue;
                writer.WritePropertyName(member.Name);
                writer.WriteRawValue(Raw(member.Value), skipInputValidation: true);
            }
            if (forceStateless) writer.WriteBoolean("store", false);
            append(writer);
        });
        using var body = JsonDocument.Parse(text, Reading);
        return body.RootElement.Clone();
    }

    private static string UserInput(string contentArray) => WriteArray(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("type", "user_input");
        writer.WritePropertyName("content");
        writer.WriteRawValue(contentArray, skipInputValidation: true);
        writer.WriteEndObject();
    });

    private static string WriteObject(Action<Utf8JsonWriter> members) => Write(writer =>
    {
        writer.WriteStartObject();
        members(writer);
        writer.WriteEndObject();
    });

    private static string WriteArray(Action<Utf8JsonWriter> elements) => Write(writer =>
    {
        writer.WriteStartArray();
        elements(writer);
        writer.WriteEndArray();
    });

    private static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, MaxDepth = Depth }))
        {
            write(writer);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
