using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit;
using Messaging.Client.Interactions;
using Messaging.Contracts;
using Microsoft.Extensions.AI;

namespace Messaging.Client.Chat;

/// <summary>
/// <see cref="IChatClient"/> over the bus: each call is a request (or, with <see cref="ChatOptions.ConversationId"/>, a turn
/// of the saga's conversation) answered on this instance's reply queue through <see cref="IInteractionsBus"/>.
/// <list type="bullet">
/// <item>Without a conversation id the messages are the whole history, sent as steps (a thought keeps its signature in
/// <see cref="TextReasoningContent.ProtectedData"/>, so a saved history is resent intact); the response names the
/// conversation it started (<see cref="ChatResponse.ConversationId"/>). With one, only the messages after the last
/// assistant message are sent: the saga chains the turn from the conversation's last interaction.</item>
/// <item>Tools run through the bus: the saga runs the function loop. An <see cref="AIFunction"/> in
/// <see cref="ChatOptions.Tools"/> is invoked here when the model calls it, and its result goes back as
/// <see cref="FunctionResultSubmitted"/>; other functions are left to their executors. Calls come back as
/// informational <see cref="FunctionCallContent"/> — do not add <c>UseFunctionInvocation()</c>, whose own requests would
/// leave the saga waiting.</item>
/// <item>Usage, finish reasons, model, response format and generation settings map to the API's; steps become the
/// matching contents (<see cref="StepContents"/>: thoughts, searches and their citations, code execution, images), and
/// those this client has no content type for pass through as <see cref="AIContent.RawRepresentation"/>.</item>
/// </list>
/// </summary>
/// <param name="bus">The requests' way to the workers and back.</param>
/// <param name="publisher">Where function results are published (the caller's bus).</param>
public sealed class BusChatClient(IInteractionsBus bus, IPublishEndpoint publisher) : IChatClient
{
    private static readonly ChatClientMetadata Metadata = new("messaging-bus", null, null);

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false)) updates.Add(update);
        return updates.ToChatResponse();
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var (conversationId, events) = Start(messages.ToList(), options, cancellationToken);
        var functions = options?.Tools?.OfType<AIFunction>().ToDictionary(f => f.Name, StringComparer.Ordinal) ?? [];
        var messageId = Guid.NewGuid().ToString();
        var text = new TextPositions(); // where each step's text starts in the response's, for its citations
        await foreach (var message in events.ConfigureAwait(false))
        {
            var update = message switch
            {
                StepDelta { Text: { Length: > 0 } piece } delta when DeltaType(delta) == "text" => Update([new TextContent(text.Add(delta, piece)) { RawRepresentation = delta }]),
                StepCompleted completed => StepContents.Of(completed.Step, text.StartOf(completed.RequestId, completed.Index)) is { Count: > 0 } contents ? Update(contents) : null,
                FunctionCallRequested call => Update(await CallAsync(call, functions, cancellationToken).ConfigureAwait(false)),
                InteractionCompleted done => Final(done),
                InteractionFailed failed => throw new InvalidOperationException($"The interaction failed ({failed.Reason}): {failed.Message}"),
                InteractionRejected rejected => throw new ArgumentException(
                    $"The request was rejected ({rejected.Reason}): {string.Join("; ", rejected.Errors.Select(e => $"{e.Field}: {e.Message}"))}", nameof(messages)),
                InteractionCancelled => throw new OperationCanceledException("The interaction was cancelled."),
                _ => null,
            };
            if (update is null) continue;
            update.ConversationId = conversationId;
            update.MessageId = messageId;
            update.Role ??= ChatRole.Assistant;
            yield return update;
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? Metadata
        : serviceType.IsInstanceOfType(this) ? this
        : serviceType.IsInstanceOfType(bus) ? bus
        : null;

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private (string ConversationId, IAsyncEnumerable<object> Events) Start(List<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        if (options?.ConversationId is { } text && Guid.TryParse(text, out var conversation))
        {
            var lastAnswer = messages.FindLastIndex(m => m.Role == ChatRole.Assistant);
            var fresh = messages.Skip(lastAnswer + 1).Where(m => m.Role != ChatRole.System);
            var overrides = ChatRequests.Settings(options, withModel: options.ModelId is not null);
            var turn = new ConversationTurnRequested
            {
                RequestId = NewId.NextGuid(), ConversationId = conversation, Input = ToElement(ChatRequests.Steps(fresh)),
                Request = overrides.Count > 0 ? ToElement(overrides) : default,
            };
            return (conversation.ToString(), bus.StreamAsync(turn, cancellationToken));
        }
        var requestId = NewId.NextGuid();
        var request = new InteractionRequested { RequestId = requestId, ConversationId = requestId, Request = ToElement(ChatRequests.Body(messages, options)) };
        return (requestId.ToString(), bus.StreamAsync(request, cancellationToken));
    }

    private static ChatResponseUpdate Update(IList<AIContent> contents) => new(ChatRole.Assistant, contents);

    // The model called a function: one this caller gave as an AIFunction runs here, and its result goes back to the saga.
    private async Task<IList<AIContent>> CallAsync(FunctionCallRequested call, Dictionary<string, AIFunction> functions, CancellationToken cancellationToken)
    {
        var arguments = call.Arguments.ValueKind == JsonValueKind.Object
            ? call.Arguments.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone())
            : [];
        var contents = new List<AIContent> { new FunctionCallContent(call.CallId, call.Name, arguments) { InformationalOnly = true } };
        if (!functions.TryGetValue(call.Name, out var function)) return contents;
        object? result;
        var isError = false;
        try
        {
            result = await function.InvokeAsync(new AIFunctionArguments(arguments), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            result = new { error = ex.Message };
            isError = true;
        }
        await publisher.Publish(new FunctionResultSubmitted
        {
            ConversationId = call.ConversationId, InteractionId = call.InteractionId, CallId = call.CallId, Name = call.Name,
            Result = result is JsonElement element ? element : JsonSerializer.SerializeToElement(result), IsError = isError,
        }, cancellationToken).ConfigureAwait(false);
        contents.Add(new FunctionResultContent(call.CallId, result));
        return contents;
    }

    private static ChatResponseUpdate Final(InteractionCompleted completed)
    {
        var contents = new List<AIContent>();
        if (completed.Usage.ValueKind == JsonValueKind.Object)
            contents.Add(new UsageContent(new UsageDetails
            {
                InputTokenCount = Count(completed.Usage, "total_input_tokens"),
                OutputTokenCount = Count(completed.Usage, "total_output_tokens"),
                TotalTokenCount = Count(completed.Usage, "total_tokens"),
            }));
        return new ChatResponseUpdate(ChatRole.Assistant, contents)
        {
            FinishReason = completed.Status == "completed" ? ChatFinishReason.Stop : ChatFinishReason.Length,
            ResponseId = completed.InteractionId,
            RawRepresentation = completed,
        };
    }

    private static long? Count(JsonElement usage, string name) =>
        usage.TryGetProperty(name, out var value) && value.TryGetInt64(out var count) ? count : null;

    private static string? DeltaType(StepDelta delta) =>
        delta.Delta.ValueKind == JsonValueKind.Object && delta.Delta.TryGetProperty("type", out var type) ? type.GetString() : "text";

    private static JsonElement ToElement(JsonNode node) => JsonSerializer.SerializeToElement(node);

    // The response's text is every text delta in order; a step's citations count from where its first delta began.
    private sealed class TextPositions
    {
        private readonly Dictionary<(Guid, int), int> starts = [];
        private int length;

        public string Add(StepDelta delta, string piece)
        {
            starts.TryAdd((delta.RequestId, delta.Index), length);
            length += piece.Length;
            return piece;
        }

        public int StartOf(Guid requestId, int index) => starts.TryGetValue((requestId, index), out var start) ? start : length;
    }
}
