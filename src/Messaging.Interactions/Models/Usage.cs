using System.Text.Json.Nodes;
using Messaging.Interactions.Json;

namespace Messaging.Interactions.Models;

/// <summary>Token usage of an interaction (every member optional in the API).</summary>
public sealed class Usage(JsonObject json) : JsonObjectView(json)
{
    /// <summary><c>total_tokens</c>.</summary>
    public long? TotalTokens => GetInt64("total_tokens");
    /// <summary><c>total_input_tokens</c>.</summary>
    public long? TotalInputTokens => GetInt64("total_input_tokens");
    /// <summary><c>total_output_tokens</c>.</summary>
    public long? TotalOutputTokens => GetInt64("total_output_tokens");
    /// <summary><c>total_thought_tokens</c>.</summary>
    public long? TotalThoughtTokens => GetInt64("total_thought_tokens");
    /// <summary><c>total_cached_tokens</c>.</summary>
    public long? TotalCachedTokens => GetInt64("total_cached_tokens");
    /// <summary><c>total_tool_use_tokens</c>.</summary>
    public long? TotalToolUseTokens => GetInt64("total_tool_use_tokens");
}
