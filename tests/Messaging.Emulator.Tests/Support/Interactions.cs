using System.Text.Json.Nodes;

namespace Messaging.Emulator.Tests.Support;

/// <summary>Readers over interaction JSON, written from the reference, independent of the emulator's code.</summary>
internal static class Interactions
{
    /// <summary>The SDK's output_text walk (reference §12).</summary>
    public static string OutputText(JsonArray steps)
    {
        var collected = new List<string>();
        for (var i = steps.Count - 1; i >= 0; i--)
        {
            var step = steps[i]!.AsObject();
            var type = (string)step["type"]!;
            if (type == "user_input")
            {
                break;
            }

            if (type == "thought")
            {
                continue;
            }

            if (type != "model_output")
            {
                if (collected.Count > 0)
                {
                    break;
                }

                continue;
            }

            var content = step["content"]!.AsArray();
            for (var j = content.Count - 1; j >= 0; j--)
            {
                var block = content[j]!.AsObject();
                if ((string)block["type"]! == "text")
                {
                    collected.Insert(0, (string)block["text"]!);
                }
                else if (collected.Count > 0)
                {
                    return string.Concat(collected);
                }
            }
        }

        return string.Concat(collected);
    }

    public static JsonObject Body(string model, JsonNode input) => new()
    {
        ["model"] = model,
        ["input"] = input,
    };

    public static JsonObject Ask(string input) => Body("gemini-3.5-flash", input);

    public static JsonArray ModelSteps(JsonArray steps) => new(steps.Where(s => (string)s!["type"]! is not ("user_input" or "function_result")).Select(s => s!.DeepClone()).ToArray());

    public static JsonObject WeatherTool() => JsonNode.Parse("""
        {
          "type": "function",
          "name": "get_current_temperature",
          "description": "Gets the current temperature for a given location.",
          "parameters": {
            "type": "object",
            "properties": { "location": { "type": "string", "description": "The city name" } },
            "required": ["location"]
          }
        }
        """)!.AsObject();

    public static JsonObject FunctionResult(JsonObject call, string resultText) => new()
    {
        ["type"] = "function_result",
        ["name"] = call["name"]!.DeepClone(),
        ["call_id"] = call["id"]!.DeepClone(),
        ["result"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = resultText }),
    };
}
