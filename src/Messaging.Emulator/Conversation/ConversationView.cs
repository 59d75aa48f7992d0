using System.Text;
using System.Text.Json.Nodes;
using Messaging.Emulator.Json;
using Messaging.Emulator.Requests;

namespace Messaging.Emulator.Conversation;

/// <summary>
/// What the scripted model reads from a conversation: the chained history plus this request's
/// input, the newest user question and attachments, earlier user turns, and the state of the
/// function-calling loop since the newest question.
/// </summary>
internal sealed class ConversationView
{
    public ConversationView(IReadOnlyList<JsonObject> history, IReadOnlyList<JsonObject> input, bool ignoreTrailingModelSteps)
    {
        var steps = new List<JsonObject>(history.Count + input.Count);
        steps.AddRange(history);
        steps.AddRange(input);
        if (ignoreTrailingModelSteps)
        {
            // A continuation hop answers the same question as the first hop: earlier hops' output is not new input.
            while (steps.Count > 0 && !ApiTypes.IsClientStep(EmulatorJson.TypeOf(steps[^1])))
            {
                steps.RemoveAt(steps.Count - 1);
            }
        }

        Steps = steps;
        LatestUserIndex = steps.FindLastIndex(static s => EmulatorJson.TypeOf(s) == ApiTypes.UserInput);
        EndsWithFunctionResult = steps.Count > 0 && EmulatorJson.TypeOf(steps[^1]) == ApiTypes.FunctionResult;

        var earlier = new List<string>();
        for (var i = 0; i < LatestUserIndex; i++)
        {
            if (EmulatorJson.TypeOf(steps[i]) == ApiTypes.UserInput && TextOf(steps[i]) is { Length: > 0 } text)
            {
                earlier.Add(text);
            }
        }

        EarlierUserTexts = earlier;
        if (LatestUserIndex >= 0)
        {
            LatestUserText = TextOf(steps[LatestUserIndex]);
            LatestAttachments = MediaOf(steps[LatestUserIndex]);
        }

        var results = new List<JsonObject>();
        var rounds = 0;
        var turnHasCalls = false;
        for (var i = LatestUserIndex + 1; i < steps.Count; i++)
        {
            switch (EmulatorJson.TypeOf(steps[i]))
            {
                case ApiTypes.Thought:
                    turnHasCalls = false;
                    break;
                case ApiTypes.FunctionCall when !turnHasCalls:
                    turnHasCalls = true;
                    rounds++;
                    break;
                case ApiTypes.FunctionResult:
                    results.Add(steps[i]);
                    break;
            }
        }

        ResultsSinceLatestUser = results;
        CallRoundsSinceLatestUser = rounds;
    }

    public IReadOnlyList<JsonObject> Steps { get; }

    public int LatestUserIndex { get; }

    public string LatestUserText { get; } = string.Empty;

    public IReadOnlyList<JsonObject> LatestAttachments { get; } = [];

    public IReadOnlyList<string> EarlierUserTexts { get; }

    public bool EndsWithFunctionResult { get; }

    public IReadOnlyList<JsonObject> ResultsSinceLatestUser { get; }

    public int CallRoundsSinceLatestUser { get; }

    /// <summary>The name of the function a call id belongs to, from the calls issued so far.</summary>
    public string? CallName(string callId)
    {
        foreach (var step in Steps)
        {
            if (EmulatorJson.TypeOf(step) == ApiTypes.FunctionCall && EmulatorJson.StringOrNull(step["id"]) == callId)
            {
                return EmulatorJson.StringOrNull(step["name"]);
            }
        }

        return null;
    }

    public static string TextOf(JsonObject userInput)
    {
        if (userInput["content"] is not JsonArray content)
        {
            return string.Empty;
        }

        var text = new StringBuilder();
        foreach (var block in content)
        {
            if (block is JsonObject obj && EmulatorJson.TypeOf(obj) == ApiTypes.Text && EmulatorJson.StringOrNull(obj["text"]) is { } piece)
            {
                if (text.Length > 0)
                {
                    text.Append(' ');
                }

                text.Append(piece.Trim());
            }
        }

        return text.ToString();
    }

    private static List<JsonObject> MediaOf(JsonObject userInput)
    {
        var media = new List<JsonObject>();
        if (userInput["content"] is JsonArray content)
        {
            foreach (var block in content)
            {
                if (block is JsonObject obj && ApiTypes.IsMedia(EmulatorJson.TypeOf(obj)))
                {
                    media.Add(obj);
                }
            }
        }

        return media;
    }
}
