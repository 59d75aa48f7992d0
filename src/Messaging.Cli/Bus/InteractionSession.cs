using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit;
using Messaging.Cli.Rendering;
using Messaging.Contracts;
using Messaging.Interactions.Json;
using Messaging.Interactions.Models;
using Messaging.Interactions.Models.Steps;

namespace Messaging.Cli.Bus;

/// <summary>
/// Runs one turn over the bus: publishes <see cref="InteractionRequested"/>, renders the events of
/// that turn as they arrive, answers function calls with the given local functions
/// (chaining the results itself, as a direct publisher does), and returns the final event.
/// </summary>
internal sealed class InteractionSession(IPublishEndpoint publisher, SessionEvents events, AnswerRenderer renderer)
{
    public async Task<TurnOutcome> RunAsync(CreateInteractionRequest request, Guid conversationId, LocalFunctions? functions,
        CancellationToken cancellationToken)
    {
        var turnId = NewId.NextGuid();
        var interactionIds = new List<string>();
        JsonArray? history = null;
        var pending = request;
        var requestId = turnId;
        while (true)
        {
            await publisher.Publish(new InteractionRequested
            {
                RequestId = requestId,
                ConversationId = conversationId,
                TurnId = turnId,
                Request = ToElement(pending.Json),
            }, cancellationToken);

            var final = await AwaitFinalAsync(requestId, interactionIds, cancellationToken);
            if (final is InteractionRequiresAction action && functions is not null)
            {
                (pending, history) = Continuation(request, history, action, functions);
                requestId = NewId.NextGuid();
                continue;
            }
            return new TurnOutcome(final, interactionIds, pending);
        }
    }

    private async Task<object> AwaitFinalAsync(Guid requestId, List<string> interactionIds, CancellationToken cancellationToken)
    {
        await foreach (var message in events.ReadAllAsync(cancellationToken))
        {
            if (RequestIdOf(message) != requestId) continue;
            renderer.Render(message);
            switch (message)
            {
                case InteractionStarted started:
                    interactionIds.Add(started.InteractionId);
                    break;
                case InteractionCompleted or InteractionRequiresAction or InteractionFailed or InteractionRejected or InteractionCancelled:
                    return message;
            }
        }
        throw new OperationCanceledException(cancellationToken);
    }

    /// <summary>
    /// The next request of a function loop: stateful = the results chained to the interaction that
    /// asked; stateless = the whole history (the original input, every model step as received, the results).
    /// </summary>
    private (CreateInteractionRequest Next, JsonArray? History) Continuation(CreateInteractionRequest original, JsonArray? historySoFar,
        InteractionRequiresAction action, LocalFunctions functions)
    {
        var results = new List<Step>();
        foreach (var call in action.Calls)
        {
            var result = functions.Invoke(call.Name, JsonNode.Parse(call.Arguments.GetRawText()) as JsonObject ?? []);
            renderer.FunctionAnswered(call.Name, result);
            results.Add(Step.FunctionResult(call.CallId, call.Name, new JsonArray(new JsonObject { ["type"] = "text", ["text"] = result })));
        }

        var next = original.Clone();
        if (original.IsStateless)
        {
            var history = new JsonArray();
            foreach (var item in historySoFar?.Select(n => n?.DeepClone()) ?? InputAsHistory(original)) history.Add(item);
            foreach (var step in action.Steps.EnumerateArray()) history.Add(JsonNode.Parse(step.GetRawText()));
            foreach (var r in results) history.Add(r.Json.DeepClone());
            next.Input = history;
            return (next, (JsonArray)history.DeepClone());
        }
        next.PreviousInteractionId = action.InteractionId;
        next.WithInput(results);
        return (next, null);
    }

    private static IEnumerable<JsonNode?> InputAsHistory(CreateInteractionRequest original) =>
        original.Input switch
        {
            JsonArray steps when steps.Count > 0 && (steps[0]?["type"] as JsonValue)?.ToString() is "user_input" => steps.Select(n => n?.DeepClone()),
            JsonArray content => [new JsonObject { ["type"] = "user_input", ["content"] = content.DeepClone() }],
            { } input => [new JsonObject { ["type"] = "user_input", ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = input.DeepClone() }) }],
            null => [],
        };

    private static JsonElement ToElement(JsonObject json) => JsonDocument.Parse(InteractionsJson.Serialize(json)).RootElement.Clone();

    private static Guid? RequestIdOf(object message) => message switch
    {
        InteractionStarted m => m.RequestId,
        StepStarted m => m.RequestId,
        StepDelta m => m.RequestId,
        StepCompleted m => m.RequestId,
        InteractionStatusChanged m => m.RequestId,
        InteractionRequiresAction m => m.RequestId,
        FunctionCallRequested m => m.RequestId,
        InteractionCompleted m => m.RequestId,
        InteractionFailed m => m.RequestId,
        InteractionRejected m => m.RequestId,
        InteractionCancelled m => m.RequestId,
        _ => null,
    };
}
