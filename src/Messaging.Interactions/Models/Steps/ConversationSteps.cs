using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Interactions.Models.Contents;

namespace Messaging.Interactions.Models.Steps;

/// <summary>
/// A <c>user_input</c> step. Its <c>content</c> is a list of blocks; a plain string is accepted too
/// (the seed's REST samples send one) and is read as one text block.
/// </summary>
public sealed class UserInputStep(JsonObject json) : Step(json)
{
    /// <summary>The content blocks (a string <c>content</c> reads as one text block).</summary>
    public IReadOnlyList<Content> Content => Json["content"] is JsonValue v && v.GetValueKind() == JsonValueKind.String
        ? [Contents.Content.FromText(v.GetValue<string>())]
        : GetList("content", Contents.Content.From);
}

/// <summary>A <c>model_output</c> step: the model's answer as content blocks, or an <c>error</c>.</summary>
public sealed class ModelOutputStep(JsonObject json) : Step(json)
{
    /// <summary><c>content</c>.</summary>
    public IReadOnlyList<Content> Content => GetList("content", Contents.Content.From);
    /// <summary><c>error</c>, when the model failed to produce this output.</summary>
    public ApiError? Error => Json["error"] is JsonObject o ? new ApiError(o) : null;
    /// <summary>The text of its text blocks, joined: what its text deltas add up to.</summary>
    public string Text => string.Concat(Content.OfType<Contents.TextContent>().Select(t => t.Text));
}

/// <summary>A <c>thought</c> step: an opaque <c>signature</c> that must be resent verbatim, and optional summaries.</summary>
public sealed class ThoughtStep(JsonObject json) : Step(json)
{
    /// <summary><c>signature</c>.</summary>
    public string? Signature => GetString("signature");
    /// <summary><c>summary</c> blocks (text or image).</summary>
    public IReadOnlyList<Content> Summary => GetList("summary", Contents.Content.From);
}

/// <summary>A <c>function_call</c> step the client must answer with a <c>function_result</c>.</summary>
public sealed class FunctionCallStep(JsonObject json) : Step(json)
{
    /// <summary><c>id</c>, to be echoed as the result's <c>call_id</c>.</summary>
    public string Id => GetString("id") ?? "";
    /// <summary><c>name</c> of the declared function.</summary>
    public string Name => GetString("name") ?? "";
    /// <summary><c>arguments</c> (an object built from the function's parameter schema).</summary>
    public JsonObject? Arguments => Json["arguments"] as JsonObject;
}

/// <summary>A <c>function_result</c> step: the client's answer to a call.</summary>
public sealed class FunctionResultStep(JsonObject json) : Step(json)
{
    /// <summary><c>call_id</c>.</summary>
    public string CallId => GetString("call_id") ?? "";
    /// <summary><c>name</c>.</summary>
    public string? Name => GetString("name");
    /// <summary><c>result</c>: a string, an object or a list of content blocks.</summary>
    public JsonNode? Result => Json["result"];
    /// <summary><c>is_error</c>.</summary>
    public bool? IsError => GetBoolean("is_error");
}
