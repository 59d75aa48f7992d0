using System.Text.Json.Nodes;

namespace Messaging.Interactions.Models.Steps;

/// <summary>A server-side tool call step (<c>*_call</c>): <c>id</c>, <c>arguments</c>, optional <c>signature</c>.</summary>
public abstract class ToolCallStep(JsonObject json) : Step(json)
{
    /// <summary><c>id</c>, echoed by the matching result's <c>call_id</c>.</summary>
    public string? Id => GetString("id");
    /// <summary><c>arguments</c>.</summary>
    public JsonObject? Arguments => Json["arguments"] as JsonObject;
    /// <summary><c>signature</c>, to be resent verbatim in stateless mode.</summary>
    public string? Signature => GetString("signature");
}

/// <summary>A server-side tool result step (<c>*_result</c>): <c>call_id</c>, <c>result</c>, <c>is_error</c>, <c>signature</c>.</summary>
public abstract class ToolResultStep(JsonObject json) : Step(json)
{
    /// <summary><c>call_id</c>.</summary>
    public string? CallId => GetString("call_id");
    /// <summary><c>result</c>.</summary>
    public JsonNode? Result => Json["result"];
    /// <summary><c>is_error</c>.</summary>
    public bool? IsError => GetBoolean("is_error");
    /// <summary><c>signature</c>, to be resent verbatim in stateless mode.</summary>
    public string? Signature => GetString("signature");
}

/// <summary><c>google_search_call</c>: <c>arguments.queries</c>, <c>search_type</c>.</summary>
public sealed class GoogleSearchCallStep(JsonObject json) : ToolCallStep(json)
{
    /// <summary>The queries searched.</summary>
    public IReadOnlyList<string> Queries => Arguments?["queries"] is JsonArray a
        ? a.Select(q => q?.ToString() ?? "").ToList()
        : [];
    /// <summary><c>search_type</c>.</summary>
    public string? SearchType => GetString("search_type");
}

/// <summary><c>google_search_result</c>.</summary>
public sealed class GoogleSearchResultStep(JsonObject json) : ToolResultStep(json);

/// <summary><c>code_execution_call</c>: <c>arguments.code</c>, <c>arguments.language</c>.</summary>
public sealed class CodeExecutionCallStep(JsonObject json) : ToolCallStep(json);

/// <summary><c>code_execution_result</c>.</summary>
public sealed class CodeExecutionResultStep(JsonObject json) : ToolResultStep(json);

/// <summary><c>url_context_call</c>: <c>arguments.urls</c>.</summary>
public sealed class UrlContextCallStep(JsonObject json) : ToolCallStep(json);

/// <summary><c>url_context_result</c>.</summary>
public sealed class UrlContextResultStep(JsonObject json) : ToolResultStep(json);

/// <summary><c>google_maps_call</c>.</summary>
public sealed class GoogleMapsCallStep(JsonObject json) : ToolCallStep(json);

/// <summary><c>google_maps_result</c>.</summary>
public sealed class GoogleMapsResultStep(JsonObject json) : ToolResultStep(json);

/// <summary><c>file_search_call</c>.</summary>
public sealed class FileSearchCallStep(JsonObject json) : ToolCallStep(json);

/// <summary><c>file_search_result</c>.</summary>
public sealed class FileSearchResultStep(JsonObject json) : ToolResultStep(json);

/// <summary><c>retrieval_call</c>: <c>arguments.queries</c>, <c>retrieval_type</c>.</summary>
public sealed class RetrievalCallStep(JsonObject json) : ToolCallStep(json)
{
    /// <summary><c>retrieval_type</c>.</summary>
    public string? RetrievalType => GetString("retrieval_type");
}

/// <summary><c>retrieval_result</c>.</summary>
public sealed class RetrievalResultStep(JsonObject json) : ToolResultStep(json);

/// <summary><c>processing_call</c> (server media processing).</summary>
public sealed class ProcessingCallStep(JsonObject json) : ToolCallStep(json);

/// <summary><c>processing_result</c>.</summary>
public sealed class ProcessingResultStep(JsonObject json) : ToolResultStep(json);

/// <summary><c>mcp_server_tool_call</c>: a call to a tool of a remote MCP server.</summary>
public sealed class McpServerToolCallStep(JsonObject json) : Step(json)
{
    /// <summary><c>id</c>.</summary>
    public string? Id => GetString("id");
    /// <summary><c>name</c>.</summary>
    public string? Name => GetString("name");
    /// <summary><c>server_name</c>.</summary>
    public string? ServerName => GetString("server_name");
    /// <summary><c>arguments</c>.</summary>
    public JsonObject? Arguments => Json["arguments"] as JsonObject;
}

/// <summary><c>mcp_server_tool_result</c>.</summary>
public sealed class McpServerToolResultStep(JsonObject json) : Step(json)
{
    /// <summary><c>call_id</c>.</summary>
    public string? CallId => GetString("call_id");
    /// <summary><c>name</c>.</summary>
    public string? Name => GetString("name");
    /// <summary><c>server_name</c>.</summary>
    public string? ServerName => GetString("server_name");
    /// <summary><c>result</c>.</summary>
    public JsonNode? Result => Json["result"];
}
