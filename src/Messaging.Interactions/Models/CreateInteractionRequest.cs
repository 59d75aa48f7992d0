using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Interactions.Json;
using Messaging.Interactions.Models.Contents;
using Messaging.Interactions.Models.Steps;

namespace Messaging.Interactions.Models;

/// <summary>
/// The body of <c>POST /interactions</c>. A view over a JSON object: the typed setters cover the
/// fields of the API reference, and anything else can be set on <see cref="JsonObjectView.Json"/>
/// (or comes along when the body is parsed), so new API fields work without a library change.
/// </summary>
public sealed class CreateInteractionRequest : JsonObjectView
{
    /// <summary>An empty body.</summary>
    public CreateInteractionRequest() : base([]) { }

    /// <summary>Wraps an existing body (not copied).</summary>
    public CreateInteractionRequest(JsonObject json) : base(json) { }

    /// <summary>Parses a body from JSON text.</summary>
    public static CreateInteractionRequest Parse(string json) => new(InteractionsJson.ParseObject(json));

    /// <summary>A model interaction with a text input.</summary>
    public static CreateInteractionRequest ForModel(string model, string input) =>
        new() { Model = model, Input = JsonValue.Create(input) };

    /// <summary>An agent interaction with a text input.</summary>
    public static CreateInteractionRequest ForAgent(string agent, string input) =>
        new() { Agent = agent, Input = JsonValue.Create(input) };

    /// <summary><c>model</c> (exactly one of model and agent).</summary>
    public string? Model { get => GetString("model"); set => SetString("model", value); }

    /// <summary><c>agent</c> (exactly one of model and agent).</summary>
    public string? Agent { get => GetString("agent"); set => SetString("agent", value); }

    /// <summary><c>input</c>: a string, a content block, a list of blocks, or a list of steps.</summary>
    public JsonNode? Input { get => Json["input"]; set => Set("input", value); }

    /// <summary><c>system_instruction</c>.</summary>
    public string? SystemInstruction { get => GetString("system_instruction"); set => SetString("system_instruction", value); }

    /// <summary><c>tools</c>.</summary>
    public JsonArray? Tools { get => Json["tools"] as JsonArray; set => Set("tools", value); }

    /// <summary><c>generation_config</c> (model interactions only).</summary>
    public JsonObject? GenerationConfig { get => Json["generation_config"] as JsonObject; set => Set("generation_config", value); }

    /// <summary><c>response_format</c>: an object or an array of them.</summary>
    public JsonNode? ResponseFormat { get => Json["response_format"]; set => Set("response_format", value); }

    /// <summary><c>stream</c>. The client sets it itself: <see cref="IInteractionsClient.CreateStreamAsync"/> sends true.</summary>
    public bool? Stream { get => GetBoolean("stream"); set => Set("stream", value is null ? null : JsonValue.Create(value.Value)); }

    /// <summary><c>background</c>: return at once and run asynchronously.</summary>
    public bool? Background { get => GetBoolean("background"); set => Set("background", value is null ? null : JsonValue.Create(value.Value)); }

    /// <summary><c>store</c> (API default true); false = stateless, not retrievable later.</summary>
    public bool? Store { get => GetBoolean("store"); set => Set("store", value is null ? null : JsonValue.Create(value.Value)); }

    /// <summary><c>previous_interaction_id</c>: chain to an earlier interaction (stateful conversations).</summary>
    public string? PreviousInteractionId { get => GetString("previous_interaction_id"); set => SetString("previous_interaction_id", value); }

    /// <summary><c>environment</c>: <c>"remote"</c>, an environment object, or an environment id.</summary>
    public JsonNode? Environment { get => Json["environment"]; set => Set("environment", value); }

    /// <summary><c>agent_config</c>.</summary>
    public JsonObject? AgentConfig { get => Json["agent_config"] as JsonObject; set => Set("agent_config", value); }

    /// <summary><c>continuation_token</c>: continue a <c>requires_continuation</c> interaction.</summary>
    public string? ContinuationToken { get => GetString("continuation_token"); set => SetString("continuation_token", value); }

    /// <summary><c>labels</c>.</summary>
    public JsonObject? Labels { get => Json["labels"] as JsonObject; set => Set("labels", value); }

    /// <summary>
    /// Whose the create is, for a quota shared fairly between tenants (<see cref="Quotas.IQuotaAdmission"/>); not part of
    /// the body, never sent. Null for none.
    /// </summary>
    public string? Tenant { get; set; }

    /// <summary>True when the body asks not to store the interaction (<c>store: false</c>).</summary>
    public bool IsStateless => Store == false;

    /// <summary>Sets <c>input</c> to a list of content blocks (one user turn).</summary>
    public CreateInteractionRequest WithInput(params Content[] content)
    {
        var array = new JsonArray();
        foreach (var c in content) array.Add(c.Json.Parent is null ? c.Json : c.Json.DeepClone());
        Input = array;
        return this;
    }

    /// <summary>Sets <c>input</c> to a list of steps (a history, or function results).</summary>
    public CreateInteractionRequest WithInput(IEnumerable<Step> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var array = new JsonArray();
        foreach (var s in steps) array.Add(s.Json.Parent is null ? s.Json : s.Json.DeepClone());
        Input = array;
        return this;
    }

    /// <summary>Adds a <c>function</c> tool: name, description and a JSON-schema <c>parameters</c> object.</summary>
    public CreateInteractionRequest AddFunction(string name, string? description, JsonObject parameters)
    {
        var tool = new JsonObject { ["type"] = "function", ["name"] = name };
        if (description is not null) tool["description"] = description;
        tool["parameters"] = parameters.Parent is null ? parameters : parameters.DeepClone();
        return AddTool(tool);
    }

    /// <summary>Adds a tool object, e.g. <c>{"type":"google_search"}</c>.</summary>
    public CreateInteractionRequest AddTool(JsonObject tool)
    {
        var tools = Tools;
        if (tools is null)
        {
            tools = [];
            Json["tools"] = tools;
        }
        tools.Add(tool.Parent is null ? tool : tool.DeepClone());
        return this;
    }

    /// <summary>A deep copy (the copy and this do not share JSON).</summary>
    public CreateInteractionRequest Clone() => new(InteractionsJson.Clone(Json)) { Tenant = Tenant };

    /// <summary>The number of steps the API will put before the generated ones in a <c>GET</c> timeline.</summary>
    internal int InputStepCount => Input switch
    {
        null => 0,
        JsonArray a when a.Count > 0 && a[0] is JsonObject first && IsStepType((first["type"] as JsonValue)?.ToString()) => a.Count,
        JsonValue v when v.GetValueKind() == JsonValueKind.Null => 0,
        _ => 1,
    };

    private static bool IsStepType(string? type) => type is not null && type is not ("text" or "image" or "audio" or "video" or "document");
}
