using System.Text.Json.Nodes;
using Messaging.Interactions.Models;

namespace Messaging.Worker.Quotas;

/// <summary>
/// The tokens a create is expected to use, reserved in its model's token window before it is sent and settled with the
/// usage the API reports after (<see cref="TokenAdmission"/>): the input at about four characters a token (Gemini's
/// rule of thumb) with 258 for each inline media item (its figure for an image), plus the output the request allows
/// (<c>generation_config.max_output_tokens</c>), or <see cref="QuotaOptions.DefaultOutputTokens"/> when it sets none.
/// </summary>
internal static class TokenEstimate
{
    private const int MediaTokens = 258;
    private const int CharactersPerToken = 4;

    public static long Of(CreateInteractionRequest body, long defaultOutputTokens)
    {
        ArgumentNullException.ThrowIfNull(body);
        long characters = 0, media = 0;
        Count(body.Json["input"], ref characters, ref media);
        Count(body.Json["system_instruction"], ref characters, ref media);
        Count(body.Json["tools"], ref characters, ref media);
        var output = body.GenerationConfig?["max_output_tokens"] is JsonValue max && max.TryGetValue<long>(out var allowed) && allowed > 0
            ? allowed
            : defaultOutputTokens;
        return (characters + CharactersPerToken - 1) / CharactersPerToken + media * MediaTokens + output;
    }

    private static void Count(JsonNode? node, ref long characters, ref long media)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    if (name == "data" && value is JsonValue) media++; // inline media: base64, not text
                    else Count(value, ref characters, ref media);
                }
                break;
            case JsonArray array:
                foreach (var item in array) Count(item, ref characters, ref media);
                break;
            case JsonValue value when value.TryGetValue<string>(out var text):
                characters += text.Length;
                break;
        }
    }
}
