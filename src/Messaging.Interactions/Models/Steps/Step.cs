using System.Text.Json.Nodes;
using Messaging.Interactions.Json;
using Messaging.Interactions.Models.Contents;

namespace Messaging.Interactions.Models.Steps;

/// <summary>
/// One step of an interaction's timeline. <see cref="From"/> picks a typed view by <c>type</c>; a
/// type added by the API later becomes a plain <see cref="Step"/> and passes through untouched.
/// </summary>
public class Step(JsonObject json) : JsonObjectView(json)
{
    /// <summary>The step's <c>type</c>.</summary>
    public string Type => GetString("type") ?? "";

    /// <summary>Picks the typed view for <paramref name="json"/>'s <c>type</c>.</summary>
    public static Step From(JsonObject json) => (json["type"] as JsonValue)?.ToString() switch
    {
        StepTypes.UserInput => new UserInputStep(json),
        StepTypes.ModelOutput => new ModelOutputStep(json),
        StepTypes.Thought => new ThoughtStep(json),
        StepTypes.FunctionCall => new FunctionCallStep(json),
        StepTypes.FunctionResult => new FunctionResultStep(json),
        StepTypes.McpServerToolCall => new McpServerToolCallStep(json),
        StepTypes.McpServerToolResult => new McpServerToolResultStep(json),
        StepTypes.GoogleSearchCall => new GoogleSearchCallStep(json),
        StepTypes.GoogleSearchResult => new GoogleSearchResultStep(json),
        StepTypes.CodeExecutionCall => new CodeExecutionCallStep(json),
        StepTypes.CodeExecutionResult => new CodeExecutionResultStep(json),
        StepTypes.UrlContextCall => new UrlContextCallStep(json),
        StepTypes.UrlContextResult => new UrlContextResultStep(json),
        StepTypes.GoogleMapsCall => new GoogleMapsCallStep(json),
        StepTypes.GoogleMapsResult => new GoogleMapsResultStep(json),
        StepTypes.FileSearchCall => new FileSearchCallStep(json),
        StepTypes.FileSearchResult => new FileSearchResultStep(json),
        StepTypes.RetrievalCall => new RetrievalCallStep(json),
        StepTypes.RetrievalResult => new RetrievalResultStep(json),
        StepTypes.ProcessingCall => new ProcessingCallStep(json),
        StepTypes.ProcessingResult => new ProcessingResultStep(json),
        _ => new Step(json),
    };

    /// <summary>Parses one step from JSON text.</summary>
    public static Step Parse(string json) => From(InteractionsJson.ParseObject(json));

    /// <summary>A new <c>user_input</c> step with the given content blocks.</summary>
    public static UserInputStep UserInput(params Content[] content)
    {
        var array = new JsonArray();
        foreach (var c in content) array.Add(c.Json.Parent is null ? c.Json : c.Json.DeepClone());
        return new UserInputStep(new JsonObject { ["type"] = StepTypes.UserInput, ["content"] = array });
    }

    /// <summary>A new <c>user_input</c> step of one text block.</summary>
    public static UserInputStep UserInput(string text) => UserInput(Content.FromText(text));

    /// <summary>
    /// A new <c>function_result</c> step. <paramref name="result"/> is any form the API accepts:
    /// a string, an object, or an array of content blocks.
    /// </summary>
    public static FunctionResultStep FunctionResult(string callId, string? name, JsonNode result, bool? isError = null)
    {
        var json = new JsonObject { ["type"] = StepTypes.FunctionResult };
        if (name is not null) json["name"] = name;
        json["call_id"] = callId;
        json["result"] = result.Parent is null ? result : result.DeepClone();
        if (isError is not null) json["is_error"] = isError;
        return new FunctionResultStep(json);
    }
}

/// <summary>The step type names the API defines.</summary>
public static class StepTypes
{
#pragma warning disable CS1591 // the names are the documentation
    public const string UserInput = "user_input";
    public const string ModelOutput = "model_output";
    public const string Thought = "thought";
    public const string FunctionCall = "function_call";
    public const string FunctionResult = "function_result";
    public const string McpServerToolCall = "mcp_server_tool_call";
    public const string McpServerToolResult = "mcp_server_tool_result";
    public const string GoogleSearchCall = "google_search_call";
    public const string GoogleSearchResult = "google_search_result";
    public const string CodeExecutionCall = "code_execution_call";
    public const string CodeExecutionResult = "code_execution_result";
    public const string UrlContextCall = "url_context_call";
    public const string UrlContextResult = "url_context_result";
    public const string GoogleMapsCall = "google_maps_call";
    public const string GoogleMapsResult = "google_maps_result";
    public const string FileSearchCall = "file_search_call";
    public const string FileSearchResult = "file_search_result";
    public const string RetrievalCall = "retrieval_call";
    public const string RetrievalResult = "retrieval_result";
    public const string ProcessingCall = "processing_call";
    public const string ProcessingResult = "processing_result";
#pragma warning restore CS1591
}
