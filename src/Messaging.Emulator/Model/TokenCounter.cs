using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Emulator.Json;
using Messaging.Emulator.Requests;

namespace Messaging.Emulator.Model;

/// <summary>
/// Deterministic token counts: about one token per four characters of text, a fixed 258 per input
/// media block and 1290 per generated image (Gemini's published per-image figures).
/// </summary>
internal static class TokenCounter
{
    private const int MediaInputTokens = 258;
    private const int ImageOutputTokens = 1290;

    public static int Input(IEnumerable<JsonObject> conversation, CreateRequest request)
    {
        long characters = (request.SystemInstruction?.Length ?? 0) + (request.Body["tools"] is { } tools ? EmulatorJson.ToCompactString(tools).Length : 0);
        var media = 0;
        foreach (var step in conversation)
        {
            Count(step, ref characters, ref media);
        }

        return Tokens(characters) + (media * MediaInputTokens);
    }

    public static int Output(IReadOnlyList<JsonObject> steps)
    {
        long characters = 0;
        var images = 0;
        foreach (var step in steps)
        {
            if (EmulatorJson.TypeOf(step) != ApiTypes.Thought)
            {
                Count(step, ref characters, ref images);
            }
        }

        return Tokens(characters) + (images * ImageOutputTokens);
    }

    public static int Thought(int inputTokens, int outputTokens) => 16 + ((inputTokens + outputTokens) / 3);

    public static JsonObject Usage(int input, int output, int thought) => new()
    {
        ["total_tokens"] = input + output + thought,
        ["total_input_tokens"] = input,
        ["total_output_tokens"] = output,
        ["total_thought_tokens"] = thought,
    };

    private static void Count(JsonNode? node, ref long characters, ref int media)
    {
        switch (node)
        {
            case JsonObject obj:
                var type = EmulatorJson.TypeOf(obj);
                if (ApiTypes.IsMedia(type))
                {
                    media++;
                    return;
                }

                foreach (var (key, value) in obj)
                {
                    if (key is not ("type" or "signature" or "id" or "call_id"))
                    {
                        Count(value, ref characters, ref media);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Count(item, ref characters, ref media);
                }

                break;
            case not null when node.GetValueKind() == JsonValueKind.String:
                characters += node.GetValue<string>().Length;
                break;
            case not null:
                characters += node.ToJsonString().Length;
                break;
        }
    }

    private static int Tokens(long characters) => characters == 0 ? 0 : (int)Math.Min(int.MaxValue, (characters + 3) / 4);
}
