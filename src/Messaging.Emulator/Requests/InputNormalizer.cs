using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Emulator.Api;
using Messaging.Emulator.Json;

namespace Messaging.Emulator.Requests;

/// <summary>
/// Turns the four input forms (string, Content, Content[], Step[]) into timeline steps. A list is a
/// Step[] when its first element has a step type and a Content[] when it has a content type.
/// </summary>
internal static class InputNormalizer
{
    public static IReadOnlyList<JsonObject> Normalize(JsonNode input)
    {
        switch (EmulatorJson.Kind(input))
        {
            case JsonValueKind.String:
                var text = input.GetValue<string>();
                if (text.Length == 0)
                {
                    throw ApiException.InvalidArgument("'input' must not be empty.");
                }

                return [UserInput(new JsonArray(TextBlock(text)))];
            case JsonValueKind.Object:
                var single = input.AsObject();
                var type = ContentValidator.RequireType(single, "input");
                if (ApiTypes.IsStepType(type))
                {
                    return [NormalizeStep(single, "input")];
                }

                ContentValidator.Validate(single, "input");
                return [UserInput(new JsonArray(single.DeepClone()))];
            case JsonValueKind.Array:
                return NormalizeList(input.AsArray());
            default:
                throw ApiException.InvalidArgument("'input' must be a string, a content object, a list of contents or a list of steps.");
        }
    }

    private static List<JsonObject> NormalizeList(JsonArray items)
    {
        if (items.Count == 0)
        {
            throw ApiException.InvalidArgument("'input' must not be empty.");
        }

        if (items[0] is not JsonObject first)
        {
            throw ApiException.InvalidArgument("'input[0]' must be an object with a 'type'.");
        }

        var firstType = ContentValidator.RequireType(first, "input[0]");
        if (ApiTypes.IsStepType(firstType))
        {
            var steps = new List<JsonObject>(items.Count);
            for (var i = 0; i < items.Count; i++)
            {
                var path = Path(i);
                if (items[i] is not JsonObject step)
                {
                    throw ApiException.InvalidArgument($"'{path}' must be a step object.");
                }

                var type = ContentValidator.RequireType(step, path);
                if (!ApiTypes.IsStepType(type))
                {
                    throw ApiException.InvalidArgument(ApiTypes.IsContentType(type)
                        ? $"'{path}.type': '{type}' is a content type but 'input[0]' is a step; a list of steps holds only steps (wrap content in a user_input step)."
                        : $"'{path}.type': unknown step type '{type}'; expected one of {string.Join(", ", ApiTypes.StepTypes)}.");
                }

                steps.Add(NormalizeStep(step, path));
            }

            return steps;
        }

        if (!ApiTypes.IsContentType(firstType))
        {
            throw ApiException.InvalidArgument(
                $"'input[0].type': unknown type '{firstType}'; expected a content type ({string.Join(", ", ApiTypes.ContentTypes)}) or a step type ({string.Join(", ", ApiTypes.StepTypes)}).");
        }

        var content = new JsonArray();
        for (var i = 0; i < items.Count; i++)
        {
            var path = Path(i);
            if (items[i] is JsonObject block && ApiTypes.IsStepType(EmulatorJson.TypeOf(block)))
            {
                throw ApiException.InvalidArgument(
                    $"'{path}.type': '{EmulatorJson.TypeOf(block)}' is a step type but 'input[0]' is a content block; do not mix contents and steps.");
            }

            ContentValidator.Validate(items[i], path);
            content.Add(items[i]!.DeepClone());
        }

        return [UserInput(content)];
    }

    private static JsonObject NormalizeStep(JsonObject step, string path)
    {
        StepValidator.Validate(step, path);
        if (EmulatorJson.TypeOf(step) == ApiTypes.UserInput && EmulatorJson.Kind(step["content"]) == JsonValueKind.String)
        {
            // The seed's REST samples send the content as a plain string; the timeline keeps the typed form.
            var normalized = new JsonObject();
            foreach (var (key, value) in step)
            {
                normalized[key] = key == "content"
                    ? new JsonArray(TextBlock(value!.GetValue<string>()))
                    : value?.DeepClone();
            }

            return normalized;
        }

        return step;
    }

    public static JsonObject UserInput(JsonArray content) => new()
    {
        ["type"] = ApiTypes.UserInput,
        ["content"] = content,
    };

    public static JsonObject TextBlock(string text) => new()
    {
        ["type"] = ApiTypes.Text,
        ["text"] = text,
    };

    private static string Path(int index) => string.Create(CultureInfo.InvariantCulture, $"input[{index}]");
}
