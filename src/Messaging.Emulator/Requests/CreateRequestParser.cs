using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Emulator.Api;
using Messaging.Emulator.Json;

namespace Messaging.Emulator.Requests;

/// <summary>
/// Parses and validates a create body (reference §3). Every rejection is a 400
/// <c>INVALID_ARGUMENT</c> whose message names the field. JSON <c>null</c> means absent.
/// </summary>
internal static class CreateRequestParser
{
    /// <summary>
    /// Levels a create body may nest (the body itself is the first): the worker's limit for a request
    /// (<c>Messaging.Client.MessageNesting.MaxRequestDepth</c>), so whatever the worker sends is read.
    /// </summary>
    public const int MaxDepth = 128;

    private static readonly string[] KnownFields =
    [
        "model", "agent", "input", "system_instruction", "tools", "generation_config", "response_format", "stream", "background",
        "store", "previous_interaction_id", "environment", "agent_config", "continuation_token", "labels", "safety_settings",
        "service_tier", "webhook_config", "cached_content", "response_mime_type", "response_modalities",
    ];

    private static readonly string[] ServiceTiers = ["flex", "standard", "priority", "deferred"];
    private static readonly string[] ToolChoices = ["auto", "any", "none", "validated"];

    public static JsonObject ParseBody(byte[] body)
    {
        if (body.Length == 0)
        {
            throw ApiException.InvalidArgument("Invalid JSON payload received. The request body is empty; expected a JSON object.");
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = MaxDepth });
            EmulatorJson.Materialize(root);
        }
        catch (Exception error) when (error is JsonException or ArgumentException or InvalidOperationException)
        {
            throw ApiException.InvalidArgument($"Invalid JSON payload received. {error.Message}");
        }

        return root as JsonObject
            ?? throw ApiException.InvalidArgument("Invalid JSON payload received. Expected a JSON object at the top level.");
    }

    public static CreateRequest Parse(JsonObject body)
    {
        foreach (var (key, _) in body)
        {
            if (Array.IndexOf(KnownFields, key) < 0)
            {
                throw ApiException.InvalidArgument($"Invalid JSON payload received. Unknown name \"{key}\": Cannot find field.");
            }
        }

        var model = NonEmptyString(body, "model");
        var agent = NonEmptyString(body, "agent");
        if (model is not null && agent is not null)
        {
            throw ApiException.InvalidArgument("Exactly one of 'model' or 'agent' must be set, not both.");
        }

        if (model is null && agent is null)
        {
            throw ApiException.InvalidArgument("Either 'model' or 'agent' is required.");
        }

        var continuationToken = NonEmptyString(body, "continuation_token");
        var input = body["input"];
        if (input is null && continuationToken is null)
        {
            throw ApiException.InvalidArgument("'input' is required (it may be omitted only with a 'continuation_token').");
        }

        var inputSteps = input is null ? [] : InputNormalizer.Normalize(input);

        var store = Boolean(body, "store") ?? true;
        var background = Boolean(body, "background") ?? false;
        if (background && !store)
        {
            throw ApiException.InvalidArgument("'background' requires 'store' to be true: a background interaction must be stored to be polled.");
        }

        var generationConfig = ObjectOrNull(body, "generation_config");
        if (generationConfig is not null)
        {
            if (agent is not null)
            {
                throw ApiException.InvalidArgument("'generation_config' is not supported for agent interactions; use 'agent_config'.");
            }

            CheckGenerationConfig(generationConfig);
        }

        if (ObjectOrNull(body, "agent_config") is { } agentConfig)
        {
            if (model is not null)
            {
                throw ApiException.InvalidArgument("'agent_config' applies only to agent interactions; model interactions use 'generation_config'.");
            }

            if (EmulatorJson.StringOrNull(agentConfig["type"]) is null)
            {
                throw ApiException.InvalidArgument("'agent_config.type' is required and must be a string.");
            }
        }

        LabelRules.Check(body["labels"]);
        CheckOptionalFields(body);

        return new CreateRequest
        {
            Body = body,
            Model = model,
            Agent = agent,
            Input = input,
            InputSteps = inputSteps,
            SystemInstruction = TypedString(body, "system_instruction"),
            Tools = ToolsParser.Parse(body["tools"]),
            GenerationConfig = generationConfig,
            Output = ResponseFormatParser.Parse(body["response_format"], TypedString(body, "response_mime_type")),
            Stream = Boolean(body, "stream") ?? false,
            Background = background,
            Store = store,
            PreviousInteractionId = NonEmptyString(body, "previous_interaction_id"),
            Environment = ParseEnvironment(body["environment"]),
            ContinuationToken = continuationToken,
        };
    }

    private static void CheckGenerationConfig(JsonObject config)
    {
        switch (config["tool_choice"])
        {
            case null:
                break;
            case JsonObject choice when choice["allowed_tools"] is JsonObject:
                break;
            case var choice when EmulatorJson.Kind(choice) == JsonValueKind.String && Array.IndexOf(ToolChoices, choice.GetValue<string>()) >= 0:
                break;
            default:
                throw ApiException.InvalidArgument(
                    "'generation_config.tool_choice' must be one of auto, any, none, validated, or {\"allowed_tools\": {\"mode\", \"tools\"}}.");
        }

        if (config["thinking_summaries"] is { } summaries && EmulatorJson.StringOrNull(summaries) is not ("auto" or "none"))
        {
            throw ApiException.InvalidArgument("'generation_config.thinking_summaries' must be 'auto' or 'none'.");
        }

        if (config["max_output_tokens"] is { } max && EmulatorJson.Kind(max) != JsonValueKind.Number)
        {
            throw ApiException.InvalidArgument("'generation_config.max_output_tokens' must be a number.");
        }
    }

    private static void CheckOptionalFields(JsonObject body)
    {
        if (TypedString(body, "service_tier") is { } tier && Array.IndexOf(ServiceTiers, tier) < 0)
        {
            throw ApiException.InvalidArgument($"'service_tier' must be one of {string.Join(", ", ServiceTiers)}.");
        }

        if (body["safety_settings"] is { } safety && safety is not JsonArray)
        {
            throw ApiException.InvalidArgument("'safety_settings' must be a list of {type, threshold} objects.");
        }

        if (body["webhook_config"] is { } webhook && webhook is not JsonObject)
        {
            throw ApiException.InvalidArgument("'webhook_config' must be an object.");
        }

        if (body["response_modalities"] is { } modalities && modalities is not JsonArray)
        {
            throw ApiException.InvalidArgument("'response_modalities' must be a list of strings.");
        }

        TypedString(body, "cached_content");
    }

    private static EnvironmentRequest? ParseEnvironment(JsonNode? environment) => environment switch
    {
        null => null,
        JsonObject settings => new EnvironmentRequest(EmulatorJson.StringOrNull(settings["environment_id"])),
        _ when EmulatorJson.StringOrNull(environment) is { Length: > 0 } name =>
            new EnvironmentRequest(name == "remote" ? null : name),
        _ => throw ApiException.InvalidArgument("'environment' must be \"remote\", an environment id string or an environment object."),
    };

    private static string? TypedString(JsonObject body, string name)
    {
        var value = body[name];
        if (value is null)
        {
            return null;
        }

        return EmulatorJson.StringOrNull(value) ?? throw ApiException.InvalidArgument($"'{name}' must be a string.");
    }

    private static string? NonEmptyString(JsonObject body, string name)
    {
        var value = TypedString(body, name);
        return value is { Length: 0 } ? throw ApiException.InvalidArgument($"'{name}' must not be empty.") : value;
    }

    private static bool? Boolean(JsonObject body, string name) => EmulatorJson.Kind(body[name]) switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw ApiException.InvalidArgument($"'{name}' must be a boolean."),
    };

    private static JsonObject? ObjectOrNull(JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonObject obj => obj,
        _ => throw ApiException.InvalidArgument($"'{name}' must be an object."),
    };
}
