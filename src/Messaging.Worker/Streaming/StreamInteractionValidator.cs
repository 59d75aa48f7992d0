using System.Runtime.InteropServices;
using System.Text.Json;
using FluentValidation;
using Messaging.Client;
using Messaging.Contracts;
using Messaging.Worker.Infrastructure;
using Messaging.Worker.Intake;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Streaming;

/// <summary>
/// What makes a request runnable, checked before any API call so the requester hears every problem at
/// once (as <see cref="InteractionRejected"/>) instead of one API 400 at a time. The API remains the judge
/// of everything else (unknown fields pass through).
/// </summary>
internal sealed class StreamInteractionValidator : AbstractValidator<StreamInteraction>
{
    private static readonly string[] ContentTypes = ["text", "image", "audio", "video", "document"];
    private static readonly string[] MediaTypes = ["image", "audio", "video", "document"];

    /// <summary>Creates the validator with the size limit from <paramref name="options"/>.</summary>
    public StreamInteractionValidator(IOptions<WorkerOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var maxBytes = options.Value.MaxRequestBytes;
        RuleFor(c => c.ConversationId).Must(id => id != Guid.Empty).OverridePropertyName("conversationId")
            .WithMessage("must not be the empty UUID; leave it out to default to requestId");
        RuleFor(c => c.TurnId).Must(id => id != Guid.Empty).OverridePropertyName("turnId")
            .WithMessage("must not be the empty UUID; leave it out to default to requestId");
        RuleFor(c => c.ReplyTo).Must(reply => reply is null || ReplyAddress.TryParse(reply, out _, out _)).OverridePropertyName("replyTo")
            .WithMessage((command, reply) => ReplyAddress.TryParse(reply, out var _, out var problem) ? "" : problem);
        RuleFor(c => c.Request).Custom((request, context) =>
        {
            foreach (var problem in CheckRequest(request, maxBytes)) context.AddFailure(problem.Field, problem.Message);
        });
    }

    private static IEnumerable<ValidationProblem> CheckRequest(JsonElement request, int maxBytes)
    {
        if (request.ValueKind != JsonValueKind.Object)
        {
            yield return new("request", request.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null
                ? "is required: the body of POST /interactions as a JSON object"
                : $"must be a JSON object (the body of POST /interactions), not {Describe(request.ValueKind)}");
            yield break;
        }

        var size = JsonMarshal.GetRawUtf8Value(request).Length;
        if (size > maxBytes)
        {
            yield return new("request", $"is {size} bytes; the limit is {maxBytes} bytes (Worker:MaxRequestBytes). Send large media by uri instead of inline data");
            yield break;
        }

        // Too deep for the API's parsers, or text that is not Unicode: said with its path, before anything reads a string.
        var text = JsonWalk.Run(JsonMarshal.GetRawUtf8Value(request), "request", MessageNesting.MaxRequestDepth, MessageNesting.InWords);
        if (text.Problems.Count > 0)
        {
            foreach (var problem in text.Problems) yield return problem;
            yield break;
        }

        var hasModel = request.TryGetProperty("model", out var model) && model.ValueKind != JsonValueKind.Null;
        var hasAgent = request.TryGetProperty("agent", out var agent) && agent.ValueKind != JsonValueKind.Null;
        if (!hasModel && !hasAgent) yield return new("request.model", "give a model (e.g. \"gemini-3.5-flash\") or an agent");
        if (hasModel && hasAgent) yield return new("request.agent", "give either a model or an agent, not both");
        if (hasModel && !IsNonEmptyString(model)) yield return new("request.model", "must be a non-empty string");
        if (hasAgent && !IsNonEmptyString(agent)) yield return new("request.agent", "must be a non-empty string");

        if (request.TryGetProperty("previous_interaction_id", out var previous) && previous.ValueKind != JsonValueKind.Null && !IsNonEmptyString(previous))
            yield return new("request.previous_interaction_id", "must be a non-empty interaction id string");

        var continues = request.TryGetProperty("continuation_token", out var token) && token.ValueKind == JsonValueKind.String;
        if (!request.TryGetProperty("input", out var input) || input.ValueKind == JsonValueKind.Null)
        {
            if (!continues) yield return new("request.input", "is required: a string, a content block, or a list of content blocks or steps");
            yield break;
        }
        foreach (var problem in CheckInput(input)) yield return problem;
    }

    private static IEnumerable<ValidationProblem> CheckInput(JsonElement input)
    {
        switch (input.ValueKind)
        {
            case JsonValueKind.String:
                if (string.IsNullOrWhiteSpace(input.GetString())) yield return new("request.input", "must not be empty");
                break;
            case JsonValueKind.Object:
                foreach (var p in CheckContent(input, "request.input")) yield return p;
                break;
            case JsonValueKind.Array:
                if (input.GetArrayLength() == 0)
                {
                    yield return new("request.input", "must not be empty");
                    break;
                }
                var i = 0;
                foreach (var item in input.EnumerateArray())
                {
                    var path = $"request.input[{i++}]";
                    var type = TypeOf(item);
                    var problems = type is not null && IsStepType(type) ? CheckStep(item, type, path) : CheckContent(item, path);
                    foreach (var p in problems) yield return p;
                }
                break;
            default:
                yield return new("request.input", $"must be a string, a content block, or a list of content blocks or steps, not {Describe(input.ValueKind)}");
                break;
        }
    }

    private static IEnumerable<ValidationProblem> CheckStep(JsonElement step, string type, string path)
    {
        if (type is not ("user_input" or "model_output")) yield break;
        if (!step.TryGetProperty("content", out var content)) yield break;
        if (content.ValueKind == JsonValueKind.String) yield break;
        if (content.ValueKind != JsonValueKind.Array)
        {
            yield return new($"{path}.content", "must be a list of content blocks");
            yield break;
        }
        var i = 0;
        foreach (var block in content.EnumerateArray())
        {
            foreach (var p in CheckContent(block, $"{path}.content[{i}]")) yield return p;
            i++;
        }
    }

    private static IEnumerable<ValidationProblem> CheckContent(JsonElement block, string path)
    {
        if (block.ValueKind != JsonValueKind.Object)
        {
            yield return new(path, $"must be a content block object, not {Describe(block.ValueKind)}");
            yield break;
        }
        var type = TypeOf(block);
        if (type is null)
        {
            yield return new($"{path}.type", "is required: text, image, audio, video or document");
            yield break;
        }
        if (!ContentTypes.Contains(type))
        {
            yield return new($"{path}.type", $"unknown content type '{type}'; expected text, image, audio, video or document");
            yield break;
        }
        if (type == "text" && !(block.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String))
            yield return new($"{path}.text", "is required for a text block");
        if (MediaTypes.Contains(type) && !block.TryGetProperty("data", out _) && !block.TryGetProperty("uri", out _))
            yield return new(path, $"an {type} block needs inline base64 data or a uri");
    }

    private static bool IsStepType(string type) =>
        type is "user_input" or "model_output" or "thought" or "function_call" or "function_result"
        || type.EndsWith("_call", StringComparison.Ordinal) || type.EndsWith("_result", StringComparison.Ordinal);

    private static string? TypeOf(JsonElement item) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;

    private static bool IsNonEmptyString(JsonElement value) => value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString());

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.Array => "an array",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Object => "an object",
        _ => "null",
    };
}
