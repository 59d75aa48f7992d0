using System.Text.Json.Nodes;
using Messaging.Emulator.Conversation;
using Messaging.Emulator.Json;
using Messaging.Emulator.Requests;

namespace Messaging.Emulator.Model;

/// <summary>
/// The function-calling side of the scripted model: one <c>function_call</c> per callable
/// function (parallel calls when several are declared), with arguments generated from each
/// function's <c>parameters</c> schema and the words of the question ("London" for <c>location</c>).
/// </summary>
internal static class FunctionCallScript
{
    public static List<JsonObject> Calls(IReadOnlyList<FunctionTool> functions, ConversationView conversation)
    {
        var words = new WordSource(conversation.LatestUserText);
        var calls = new List<JsonObject>(functions.Count);
        foreach (var function in functions)
        {
            var arguments = function.Parameters is { } schema
                ? new SchemaInstanceGenerator(schema, words).Generate() as JsonObject ?? []
                : [];
            calls.Add(new JsonObject
            {
                ["type"] = ApiTypes.FunctionCall,
                ["id"] = Ids.FunctionCall(),
                ["name"] = function.Name,
                ["arguments"] = arguments,
            });
        }

        return calls;
    }

    /// <summary>The functions the model calls now, or none when it should answer instead.</summary>
    public static IReadOnlyList<FunctionTool> Due(CreateRequest request, ConversationView conversation, int rounds)
    {
        var functions = request.Tools.Functions;
        if (functions.Count == 0 || rounds == 0 || conversation.Steps.Count == 0)
        {
            return [];
        }

        if (conversation.EndsWithFunctionResult && conversation.CallRoundsSinceLatestUser >= rounds)
        {
            return [];
        }

        if (!conversation.EndsWithFunctionResult && conversation.LatestUserIndex != conversation.Steps.Count - 1)
        {
            // The newest input is neither a question nor a result (e.g. a resent model turn): answer.
            return [];
        }

        return Allowed(request, functions);
    }

    private static IReadOnlyList<FunctionTool> Allowed(CreateRequest request, IReadOnlyList<FunctionTool> functions)
    {
        var choice = request.GenerationConfig?["tool_choice"];
        if (EmulatorJson.StringOrNull(choice) == "none")
        {
            return [];
        }

        if (choice is not JsonObject { } config || config["allowed_tools"] is not JsonObject allowedTools || allowedTools["tools"] is not JsonArray names)
        {
            return functions;
        }

        var allowed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (EmulatorJson.StringOrNull(name) is { } text)
            {
                allowed.Add(text);
            }
        }

        return functions.Where(f => allowed.Contains(f.Name)).ToList();
    }
}
