using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit;
using Messaging.Cli.Rendering;
using Messaging.Contracts;
using Messaging.Interactions.Json;
using Messaging.Interactions.Models;

namespace Messaging.Cli.Bus;

/// <summary>
/// Runs one turn over the bus and renders its events as they arrive. The turn is followed by its turnId, because a
/// function loop runs through the conversation saga: the CLI answers each <see cref="FunctionCallRequested"/> with
/// a <see cref="FunctionResultSubmitted"/>, as any executor would, and the saga publishes the continuations.
/// </summary>
internal sealed class InteractionSession(IPublishEndpoint publisher, SessionEvents events, AnswerRenderer renderer)
{
    /// <summary>Starts a conversation (or a turn a publisher chains itself) with <see cref="InteractionRequested"/>.</summary>
    public async Task<TurnOutcome> AskAsync(CreateInteractionRequest request, Guid conversationId, LocalFunctions? functions, CancellationToken cancellationToken)
    {
        var turnId = NewId.NextGuid();
        await publisher.Publish(new InteractionRequested
        {
            RequestId = turnId, ConversationId = conversationId, TurnId = turnId, Request = ToElement(request.Json),
        }, cancellationToken);
        return await FollowAsync(turnId, functions, cancellationToken);
    }

    /// <summary>Continues a saga-managed conversation with <see cref="ConversationTurnRequested"/>: the saga chains it.</summary>
    public async Task<TurnOutcome> ContinueAsync(Guid conversationId, string input, LocalFunctions? functions, CancellationToken cancellationToken)
    {
        var turnId = NewId.NextGuid();
        await publisher.Publish(new ConversationTurnRequested
        {
            RequestId = turnId, ConversationId = conversationId, Input = JsonSerializer.SerializeToElement(input),
        }, cancellationToken);
        return await FollowAsync(turnId, functions, cancellationToken);
    }

    private async Task<TurnOutcome> FollowAsync(Guid turnId, LocalFunctions? functions, CancellationToken cancellationToken)
    {
        var interactionIds = new List<string>();
        JsonElement lastRequest = default;
        await foreach (var message in events.ReadAllAsync(cancellationToken))
        {
            if (TurnIdOf(message) != turnId) continue;
            if (message is InteractionRequested requested)
            {
                lastRequest = requested.Request; // the saga's continuation: in stateless mode its input is the history
                continue;
            }
            renderer.Render(message);
            switch (message)
            {
                case InteractionStarted started:
                    interactionIds.Add(started.InteractionId);
                    break;
                case FunctionCallRequested call when functions is not null:
                    await AnswerAsync(call, functions, cancellationToken);
                    break;
                case InteractionRequiresAction when functions is null:
                case InteractionCompleted or InteractionFailed or InteractionRejected or InteractionCancelled:
                    return new TurnOutcome(message, interactionIds, lastRequest);
            }
        }
        throw new OperationCanceledException(cancellationToken);
    }

    private async Task AnswerAsync(FunctionCallRequested call, LocalFunctions functions, CancellationToken cancellationToken)
    {
        var result = functions.Invoke(call.Name, JsonNode.Parse(call.Arguments.GetRawText()) as JsonObject ?? []);
        renderer.FunctionAnswered(call.Name, result);
        await publisher.Publish(new FunctionResultSubmitted
        {
            ConversationId = call.ConversationId,
            InteractionId = call.InteractionId,
            CallId = call.CallId,
            Name = call.Name,
            Result = JsonSerializer.SerializeToElement(new[] { new { type = "text", text = result } }),
        }, cancellationToken);
    }

    private static JsonElement ToElement(JsonObject json) => JsonDocument.Parse(InteractionsJson.Serialize(json)).RootElement.Clone();

    private static Guid? TurnIdOf(object message) => message switch
    {
        InteractionRequested m => m.TurnId ?? m.RequestId,
        InteractionStarted m => m.TurnId,
        StepStarted m => m.TurnId,
        StepDelta m => m.TurnId,
        StepCompleted m => m.TurnId,
        InteractionStatusChanged m => m.TurnId,
        InteractionRequiresAction m => m.TurnId,
        FunctionCallRequested m => m.TurnId,
        InteractionCompleted m => m.TurnId,
        InteractionFailed m => m.TurnId,
        InteractionRejected m => m.TurnId,
        InteractionCancelled m => m.TurnId,
        _ => null,
    };
}
