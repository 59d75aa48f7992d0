using System.Text.Json.Nodes;
using Messaging.Emulator.Control;
using Messaging.Emulator.Conversation;
using Messaging.Emulator.Json;
using Messaging.Emulator.Media;
using Messaging.Emulator.Requests;
using Messaging.Emulator.Signatures;

namespace Messaging.Emulator.Model;

/// <summary>
/// The scripted model. For one request it decides, deterministically from the conversation, which
/// steps to produce: function calls while rounds remain, otherwise an answer — agent work, search
/// with citations, an image, schema-conforming JSON, results read back, or prose — split across
/// continuation hops when asked. Every turn opens with a thought whose signature covers the turn.
/// </summary>
internal sealed class ResponsePlanner(StepSigner signer, ContinuationTokens tokens, GoogleSearchScript search, AgentScript agents)
{
    public TurnPlan Plan(PlanningContext context)
    {
        var request = context.Request;
        var controls = context.Controls;
        var conversation = new ConversationView(context.History, request.InputSteps, ignoreTrailingModelSteps: context.HopsDone > 0);
        var inputTokens = TokenCounter.Input(conversation.Steps, request);
        var steps = new List<JsonObject>();
        var status = InteractionStatuses.Completed;
        string? continuationToken = null;
        InteractionError? error = null;

        if (controls.Fault == FaultKind.Failed)
        {
            status = InteractionStatuses.Failed;
            error = new InteractionError(
                "https://generativelanguage.googleapis.com/errors/internal",
                "The interaction failed: injected by the emulator (emulator_fault=failed).");
        }
        else if (FunctionCallScript.Due(request, conversation, controls.FunctionRounds) is { Count: > 0 } functions)
        {
            steps.AddRange(FunctionCallScript.Calls(functions, conversation));
            status = InteractionStatuses.RequiresAction;
        }
        else
        {
            var hops = controls.ContinuationHops;
            var minimumWords = controls.Chunks * (hops + 1);
            var (toolSteps, answer, image) = Answer(context, conversation, minimumWords);
            if (hops > 0 && answer is { Text.Length: > 0 })
            {
                var hop = Math.Min(context.HopsDone, hops);
                answer = answer.Part(hop, hops + 1);
                if (hop > 0)
                {
                    toolSteps = [];
                }

                if (hop < hops)
                {
                    status = InteractionStatuses.RequiresContinuation;
                    continuationToken = tokens.Issue(hop + 1, context.InteractionId);
                }
            }

            steps.AddRange(toolSteps);
            steps.Add(ModelOutput(answer, image));
        }

        steps.Insert(0, Thought(request, conversation, steps));
        return new TurnPlan
        {
            Steps = steps,
            Status = status,
            InputTokens = inputTokens,
            ContinuationToken = continuationToken,
            Error = error,
        };
    }

    private (List<JsonObject> ToolSteps, AnswerText? Answer, JsonObject? Image) Answer(
        PlanningContext context, ConversationView conversation, int minimumWords)
    {
        var request = context.Request;
        if (request.Agent is { } agent)
        {
            var (agentSteps, report) = agents.Run(agent, conversation, context.EnvironmentId, minimumWords);
            return (agentSteps, report, null);
        }

        if (request.Model!.Contains("image", StringComparison.OrdinalIgnoreCase) || request.Output.Image is not null)
        {
            return ([], null, Picture(conversation.LatestUserText, request.Output.Image));
        }

        if (request.Output.Json)
        {
            return ([], AnswerText.Plain(StructuredText(request.Output.Schema, conversation, request.SystemInstruction)), null);
        }

        if (conversation.ResultsSinceLatestUser.Count > 0)
        {
            return ([], AnswerText.Plain(FunctionResultsComposer.Answer(conversation, minimumWords)), null);
        }

        if (request.Tools.GoogleSearch)
        {
            var (searchSteps, cited) = search.Search(conversation.LatestUserText);
            return (searchSteps, cited with { Text = ProseComposer.PadToWords(cited.Text, minimumWords, StableHash.Of(cited.Text)) }, null);
        }

        return ([], AnswerText.Plain(ProseComposer.Answer(conversation, request.SystemInstruction, minimumWords)), null);
    }

    private static string StructuredText(JsonObject? schema, ConversationView conversation, string? systemInstruction)
    {
        var words = new WordSource(conversation.LatestUserText);
        JsonNode? value = schema is null
            ? new JsonObject
            {
                ["topic"] = words.Topic,
                ["answer"] = ProseComposer.Answer(conversation, systemInstruction, 0),
            }
            : new SchemaInstanceGenerator(schema, words).Generate();
        return value is null ? "null" : value.ToJsonString(EmulatorJson.IndentedSerializer);
    }

    private static JsonObject Picture(string prompt, ImageFormat? format)
    {
        var (width, height) = PictureRenderer.Size(format?.AspectRatio);
        var png = PictureRenderer.RenderPng(StableHash.Of(prompt), width, height);
        return new JsonObject
        {
            ["type"] = ApiTypes.Image,
            ["data"] = Convert.ToBase64String(png),
            ["mime_type"] = "image/png",
        };
    }

    private static JsonObject ModelOutput(AnswerText? answer, JsonObject? image)
    {
        var content = new JsonArray();
        if (answer is { Text.Length: > 0 })
        {
            content.Add(answer.ToTextBlock());
        }

        if (image is not null)
        {
            content.Add(image);
        }

        return new JsonObject
        {
            ["type"] = ApiTypes.ModelOutput,
            ["content"] = content,
        };
    }

    private JsonObject Thought(CreateRequest request, ConversationView conversation, List<JsonObject> turn)
    {
        var thought = new JsonObject { ["type"] = ApiTypes.Thought };
        if (EmulatorJson.StringOrNull(request.GenerationConfig?["thinking_summaries"]) == "auto")
        {
            var topic = new WordSource(conversation.LatestUserText).Topic;
            thought["summary"] = new JsonArray(InputNormalizer.TextBlock($"Working out how to answer a question about {topic}."));
        }

        thought["signature"] = signer.SignThought(thought, turn);
        return thought;
    }
}
