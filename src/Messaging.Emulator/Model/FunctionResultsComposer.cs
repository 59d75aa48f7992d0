using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Emulator.Conversation;
using Messaging.Emulator.Json;
using Messaging.Emulator.Requests;

namespace Messaging.Emulator.Model;

/// <summary>
/// The answer after function results: it names each function, quotes what it returned, and reads
/// flat JSON objects back as prose ("location London, temperature 22, unit celsius").
/// </summary>
internal static class FunctionResultsComposer
{
    public static string Answer(ConversationView conversation, int minimumWords)
    {
        var text = new StringBuilder();
        var question = conversation.LatestUserText;
        if (question.Length > 0)
        {
            text.Append("Here is what I found for “").Append(ProseComposer.Shorten(question)).Append("”. ");
        }

        foreach (var result in conversation.ResultsSinceLatestUser)
        {
            var callId = EmulatorJson.StringOrNull(result["call_id"]) ?? string.Empty;
            var name = EmulatorJson.StringOrNull(result["name"]) ?? conversation.CallName(callId) ?? "the function";
            var output = ResultText(result["result"]);
            if (EmulatorJson.Kind(result["is_error"]) == JsonValueKind.True)
            {
                text.Append(CultureInfo.InvariantCulture, $"{name} reported an error: {output}. ");
                continue;
            }

            text.Append(CultureInfo.InvariantCulture, $"{name} returned {output}");
            if (Flatten(output) is { } prose)
            {
                text.Append(": ").Append(prose);
            }

            text.Append(". ");
        }

        text.Append(conversation.ResultsSinceLatestUser.Count == 1 ? "Based on this result, that answers your question." : "Based on these results, that answers your question.");
        return ProseComposer.PadToWords(text.ToString(), minimumWords, StableHash.Of(question));
    }

    /// <summary>A result as text: a string as is, content blocks' text joined, an object as JSON.</summary>
    public static string ResultText(JsonNode? result)
    {
        switch (result)
        {
            case JsonArray blocks:
                var text = new StringBuilder();
                foreach (var block in blocks)
                {
                    if (block is not JsonObject obj)
                    {
                        continue;
                    }

                    if (text.Length > 0)
                    {
                        text.Append(' ');
                    }

                    var type = EmulatorJson.TypeOf(obj);
                    text.Append(type == ApiTypes.Text ? EmulatorJson.StringOrNull(obj["text"]) : $"[{type}]");
                }

                return text.ToString();
            case JsonObject:
                return EmulatorJson.ToCompactString(result);
            default:
                return EmulatorJson.StringOrNull(result) ?? string.Empty;
        }
    }

    private static string? Flatten(string output)
    {
        if (!output.TrimStart().StartsWith('{'))
        {
            return null;
        }

        try
        {
            if (JsonNode.Parse(output) is not JsonObject obj || obj.Count == 0)
            {
                return null;
            }

            var parts = new List<string>();
            foreach (var (key, value) in obj)
            {
                if (value is JsonObject or JsonArray)
                {
                    return null;
                }

                parts.Add($"{key.Replace('_', ' ')} {(value is null ? "null" : EmulatorJson.StringOrNull(value) ?? value.ToJsonString())}");
            }

            return string.Join(", ", parts);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
