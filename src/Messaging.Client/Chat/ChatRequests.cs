using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace Messaging.Client.Chat;

/// <summary>
/// Microsoft.Extensions.AI's messages and options as an Interactions API create body: messages become steps (a thought's
/// signature, a function call and its result resent as the API gave them), options become the body's fields, and
/// <see cref="ChatOptions.AdditionalProperties"/> pass through as written (e.g. <c>store</c>, <c>service_tier</c>).
/// </summary>
internal static class ChatRequests
{
    // A content read from a model_output step holds one of its blocks, which goes back inside a model_output, not as a step.
    private static readonly HashSet<string> ContentBlockTypes = ["text", "image", "audio", "video", "document"];

    /// <summary>The create body for <paramref name="messages"/> (all of them: the history) under <paramref name="options"/>.</summary>
    public static JsonObject Body(IEnumerable<ChatMessage> messages, ChatOptions? options, bool withModel = true)
    {
        var body = Settings(options, withModel);
        var list = messages.ToList();
        var system = string.Join("\n", list.Where(m => m.Role == ChatRole.System).Select(m => m.Text));
        if (system.Length > 0 && body["system_instruction"] is null) body["system_instruction"] = system;
        body["input"] = Steps(list.Where(m => m.Role != ChatRole.System));
        return body;
    }

    /// <summary>The body's fields from the options: model, config, response format, tools, and the additional properties as given.</summary>
    public static JsonObject Settings(ChatOptions? options, bool withModel = true)
    {
        var body = new JsonObject();
        if (withModel) body["model"] = options?.ModelId ?? "gemini-3.5-flash";
        if (options is null) return body;
        if (options.Instructions is { Length: > 0 } instructions) body["system_instruction"] = instructions;
        var config = new JsonObject();
        if (options.Temperature is { } temperature) config["temperature"] = temperature;
        if (options.TopP is { } topP) config["top_p"] = topP;
        if (options.TopK is { } topK) config["top_k"] = topK;
        if (options.MaxOutputTokens is { } max) config["max_output_tokens"] = max;
        if (options.Seed is { } seed) config["seed"] = seed;
        if (options.StopSequences is { Count: > 0 } stops) config["stop_sequences"] = new JsonArray(stops.Select(s => (JsonNode)s!).ToArray());
        if (config.Count > 0) body["generation_config"] = config;
        if (options.ResponseFormat is ChatResponseFormatJson json)
        {
            var format = new JsonObject { ["type"] = "text", ["mime_type"] = "application/json" };
            if (json.Schema is { } schema) format["schema"] = JsonNode.Parse(schema.GetRawText());
            body["response_format"] = format;
        }
        var tools = options.Tools?.Select(Tool).OfType<JsonNode>().ToArray();
        if (tools is { Length: > 0 }) body["tools"] = new JsonArray(tools);
        foreach (var (name, value) in options.AdditionalProperties ?? [])
            body[name] = JsonSerializer.SerializeToNode(value);
        return body;
    }

    // A function, or one of the API's own tools: web search is Google Search grounding, the code interpreter its code execution.
    private static JsonObject? Tool(AITool tool) => tool switch
    {
        AIFunctionDeclaration f => new JsonObject
        {
            ["type"] = "function", ["name"] = f.Name, ["description"] = f.Description, ["parameters"] = JsonNode.Parse(f.JsonSchema.GetRawText()),
        },
        HostedWebSearchTool => new JsonObject { ["type"] = "google_search" },
        HostedCodeInterpreterTool => new JsonObject { ["type"] = "code_execution" },
        _ => null,
    };

    /// <summary>The messages as steps: user text and media as <c>user_input</c>, the model's contents as its own steps again.</summary>
    public static JsonArray Steps(IEnumerable<ChatMessage> messages)
    {
        var steps = new JsonArray();
        foreach (var message in messages)
        {
            if (message.Role == ChatRole.User)
            {
                steps.Add(new JsonObject { ["type"] = "user_input", ["content"] = Content(message.Contents) });
                continue;
            }
            var output = new JsonArray();
            foreach (var content in message.Contents)
            {
                // A step this client read from the bus goes back exactly as the API gave it (signatures included).
                if (content.RawRepresentation is JsonElement { ValueKind: JsonValueKind.Object } raw && raw.TryGetProperty("type", out var type)
                    && content is not TextContent && !ContentBlockTypes.Contains(type.GetString() ?? ""))
                {
                    Flush(steps, output);
                    steps.Add(JsonNode.Parse(raw.GetRawText()));
                    continue;
                }
                switch (content)
                {
                    case TextReasoningContent reasoning:
                        Flush(steps, output);
                        var thought = new JsonObject { ["type"] = "thought" };
                        if (reasoning.ProtectedData is { } signature) thought["signature"] = signature;
                        if (!string.IsNullOrEmpty(reasoning.Text)) thought["summary"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = reasoning.Text });
                        steps.Add(thought);
                        break;
                    case FunctionCallContent call:
                        Flush(steps, output);
                        steps.Add(new JsonObject
                        {
                            ["type"] = "function_call", ["id"] = call.CallId, ["name"] = call.Name, ["arguments"] = JsonSerializer.SerializeToNode(call.Arguments ?? new Dictionary<string, object?>()),
                        });
                        break;
                    case FunctionResultContent result:
                        Flush(steps, output);
                        steps.Add(new JsonObject { ["type"] = "function_result", ["call_id"] = result.CallId, ["result"] = ResultOf(result.Result) });
                        break;
                    default:
                        if (ContentBlock(content) is { } block) output.Add(block);
                        break;
                }
            }
            Flush(steps, output);
        }
        return steps;
    }

    private static void Flush(JsonArray steps, JsonArray output)
    {
        if (output.Count == 0) return;
        var content = new JsonArray();
        foreach (var block in output.ToList())
        {
            output.Remove(block);
            content.Add(block);
        }
        steps.Add(new JsonObject { ["type"] = "model_output", ["content"] = content });
    }

    private static JsonArray Content(IEnumerable<AIContent> contents)
    {
        var blocks = new JsonArray();
        foreach (var content in contents)
            if (ContentBlock(content) is { } block) blocks.Add(block);
        return blocks;
    }

    private static JsonObject? ContentBlock(AIContent content) => content switch
    {
        TextContent text => new JsonObject { ["type"] = "text", ["text"] = text.Text },
        DataContent data => new JsonObject
        {
            ["type"] = MediaType(data.MediaType), ["mime_type"] = data.MediaType, ["data"] = Convert.ToBase64String(data.Data.Span),
        },
        UriContent uri => new JsonObject { ["type"] = MediaType(uri.MediaType), ["mime_type"] = uri.MediaType, ["uri"] = uri.Uri.ToString() },
        _ => null,
    };

    private static string MediaType(string mediaType) => mediaType.Split('/')[0] switch
    {
        "image" => "image", "audio" => "audio", "video" => "video", _ => "document",
    };

    private static JsonNode? ResultOf(object? result) => result switch
    {
        null => "",
        string text => text,
        JsonElement element => JsonNode.Parse(element.GetRawText()),
        _ => JsonSerializer.SerializeToNode(result),
    };
}
