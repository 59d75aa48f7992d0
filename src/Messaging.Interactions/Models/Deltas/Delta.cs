using System.Text.Json.Nodes;
using Messaging.Interactions.Json;
using Messaging.Interactions.Models.Contents;

namespace Messaging.Interactions.Models.Deltas;

/// <summary>
/// An incremental update of one step, carried by a <c>step.delta</c> event. <see cref="From"/> picks a
/// typed view by <c>type</c>; unknown types are kept as plain <see cref="Delta"/>s.
/// </summary>
public class Delta(JsonObject json) : JsonObjectView(json)
{
    /// <summary>The delta's <c>type</c>.</summary>
    public string Type => GetString("type") ?? "";

    /// <summary>Picks the typed view for <paramref name="json"/>'s <c>type</c>.</summary>
    public static Delta From(JsonObject json) => (json["type"] as JsonValue)?.ToString() switch
    {
        DeltaTypes.Text => new TextDelta(json),
        DeltaTypes.TextAnnotation => new TextAnnotationDelta(json),
        DeltaTypes.ThoughtSignature => new ThoughtSignatureDelta(json),
        DeltaTypes.ThoughtSummary => new ThoughtSummaryDelta(json),
        DeltaTypes.ArgumentsDelta => new ArgumentsDelta(json),
        "image" or "audio" or "video" or "document" => new MediaDelta(json),
        DeltaTypes.FunctionResult => new FunctionResultDelta(json),
        DeltaTypes.McpServerToolCall or DeltaTypes.McpServerToolResult => new McpServerToolDelta(json),
        { } t when t.EndsWith("_call", StringComparison.Ordinal) => new ToolCallDelta(json),
        { } t when t.EndsWith("_result", StringComparison.Ordinal) => new ToolResultDelta(json),
        _ => new Delta(json),
    };
}

/// <summary>The delta type names the API defines (the tool call/result ones share their step's name).</summary>
public static class DeltaTypes
{
#pragma warning disable CS1591 // the names are the documentation
    public const string Text = "text";
    public const string TextAnnotation = "text_annotation_delta";
    public const string ThoughtSignature = "thought_signature";
    public const string ThoughtSummary = "thought_summary";
    public const string ArgumentsDelta = "arguments_delta";
    public const string FunctionResult = "function_result";
    public const string McpServerToolCall = "mcp_server_tool_call";
    public const string McpServerToolResult = "mcp_server_tool_result";
#pragma warning restore CS1591
}

/// <summary><c>text</c>: append to the step's last text block.</summary>
public sealed class TextDelta(JsonObject json) : Delta(json)
{
    /// <summary><c>text</c>.</summary>
    public string Text => GetString("text") ?? "";
}

/// <summary><c>text_annotation_delta</c>: annotations for the last text block.</summary>
public sealed class TextAnnotationDelta(JsonObject json) : Delta(json)
{
    /// <summary><c>annotations</c>.</summary>
    public IReadOnlyList<Annotation> Annotations => GetList("annotations", Annotation.From);
}

/// <summary><c>thought_signature</c>: the thought step's signature.</summary>
public sealed class ThoughtSignatureDelta(JsonObject json) : Delta(json)
{
    /// <summary><c>signature</c>.</summary>
    public string? Signature => GetString("signature");
}

/// <summary><c>thought_summary</c>: one summary block for the thought step.</summary>
public sealed class ThoughtSummaryDelta(JsonObject json) : Delta(json)
{
    /// <summary><c>content</c> (one block).</summary>
    public Content? Content => Json["content"] is JsonObject o ? Contents.Content.From(o) : null;
}

/// <summary><c>arguments_delta</c>: a fragment of a function call's JSON arguments (a string, not an object).</summary>
public sealed class ArgumentsDelta(JsonObject json) : Delta(json)
{
    /// <summary>The fragment.</summary>
    public string Arguments => GetString("arguments") ?? "";
}

/// <summary><c>image</c> / <c>audio</c> / <c>video</c> / <c>document</c>: one media block.</summary>
public sealed class MediaDelta(JsonObject json) : Delta(json)
{
    /// <summary><c>data</c> (base64).</summary>
    public string? Data => GetString("data");
    /// <summary><c>uri</c>.</summary>
    public string? Uri => GetString("uri");
    /// <summary><c>mime_type</c>.</summary>
    public string? MimeType => GetString("mime_type");
}

/// <summary>A server-side tool call delta (<c>google_search_call</c>, …): fields merge into the call step.</summary>
public sealed class ToolCallDelta(JsonObject json) : Delta(json)
{
    /// <summary><c>arguments</c>.</summary>
    public JsonObject? Arguments => Json["arguments"] as JsonObject;
    /// <summary><c>signature</c>.</summary>
    public string? Signature => GetString("signature");
}

/// <summary>A server-side tool result delta (<c>google_search_result</c>, …): fields merge into the result step.</summary>
public sealed class ToolResultDelta(JsonObject json) : Delta(json)
{
    /// <summary><c>result</c>.</summary>
    public JsonNode? Result => Json["result"];
    /// <summary><c>signature</c>.</summary>
    public string? Signature => GetString("signature");
}

/// <summary><c>function_result</c> delta: fields merge into the step.</summary>
public sealed class FunctionResultDelta(JsonObject json) : Delta(json)
{
    /// <summary><c>result</c>.</summary>
    public JsonNode? Result => Json["result"];
}

/// <summary><c>mcp_server_tool_call</c> / <c>mcp_server_tool_result</c> delta: fields merge into the step.</summary>
public sealed class McpServerToolDelta(JsonObject json) : Delta(json);
