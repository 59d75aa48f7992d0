using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Emulator.Api;
using Messaging.Emulator.Json;

namespace Messaging.Emulator.Requests;

/// <summary>Checks the shape of one step of a Step[] input.</summary>
internal static class StepValidator
{
    public static void Validate(JsonObject step, string path)
    {
        switch (EmulatorJson.TypeOf(step))
        {
            case ApiTypes.UserInput:
                ValidateUserContent(step["content"], path);
                break;
            case ApiTypes.ModelOutput:
                ValidateContentList(step["content"], path, allowMissing: true);
                break;
            case ApiTypes.Thought:
                OptionalString(step, "signature", path);
                break;
            case ApiTypes.FunctionCall:
                RequireString(step, "id", path);
                RequireString(step, "name", path);
                if (step["arguments"] is not JsonObject)
                {
                    throw ApiException.InvalidArgument($"'{path}.arguments' is required and must be an object.");
                }

                break;
            case ApiTypes.FunctionResult:
                RequireString(step, "call_id", path);
                OptionalString(step, "name", path);
                if (EmulatorJson.Kind(step["result"]) is not (JsonValueKind.String or JsonValueKind.Object or JsonValueKind.Array))
                {
                    throw ApiException.InvalidArgument($"'{path}.result' is required and must be a string, an object or a list of content blocks.");
                }

                if (step["is_error"] is { } isError && EmulatorJson.Kind(isError) is not (JsonValueKind.True or JsonValueKind.False))
                {
                    throw ApiException.InvalidArgument($"'{path}.is_error' must be a boolean.");
                }

                break;
        }
    }

    private static void ValidateUserContent(JsonNode? content, string path)
    {
        if (EmulatorJson.Kind(content) == JsonValueKind.String)
        {
            if (content!.GetValue<string>().Length == 0)
            {
                throw ApiException.InvalidArgument($"'{path}.content' must not be empty.");
            }

            return;
        }

        ValidateContentList(content, path, allowMissing: false);
        if (content!.AsArray().Count == 0)
        {
            throw ApiException.InvalidArgument($"'{path}.content' must not be empty.");
        }
    }

    private static void ValidateContentList(JsonNode? content, string path, bool allowMissing)
    {
        if (content is null && allowMissing)
        {
            return;
        }

        if (content is not JsonArray blocks)
        {
            throw ApiException.InvalidArgument($"'{path}.content' is required and must be a list of content blocks (or a string for user_input).");
        }

        for (var i = 0; i < blocks.Count; i++)
        {
            ContentValidator.Validate(blocks[i], string.Create(CultureInfo.InvariantCulture, $"{path}.content[{i}]"));
        }
    }

    private static void RequireString(JsonObject step, string name, string path)
    {
        var value = step[name];
        if (EmulatorJson.Kind(value) != JsonValueKind.String || value!.GetValue<string>().Length == 0)
        {
            throw ApiException.InvalidArgument($"'{path}.{name}' is required and must be a non-empty string.");
        }
    }

    private static void OptionalString(JsonObject step, string name, string path)
    {
        var value = step[name];
        if (value is not null && EmulatorJson.Kind(value) != JsonValueKind.String)
        {
            throw ApiException.InvalidArgument($"'{path}.{name}' must be a string.");
        }
    }
}
