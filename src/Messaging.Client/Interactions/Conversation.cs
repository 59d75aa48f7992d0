using System.Text.Json;
using Messaging.Contracts;

namespace Messaging.Client.Interactions;

/// <summary>
/// A saga-managed conversation: each turn is a <see cref="ConversationTurnRequested"/> the saga chains from the last one
/// (stored) or its history (<c>store: false</c>), and answers on this instance's reply queue.
/// </summary>
public sealed class Conversation
{
    private readonly IInteractionsBus _bus;
    private JsonElement _firstRequest;

    internal Conversation(IInteractionsBus bus, Guid id, JsonElement firstRequest)
    {
        _bus = bus;
        Id = id;
        _firstRequest = firstRequest;
    }

    /// <summary>The conversationId.</summary>
    public Guid Id { get; }

    /// <summary>Sends a turn and returns its outcome.</summary>
    public async Task<InteractionOutcome> TurnAsync(string input, CancellationToken cancellationToken = default)
    {
        object? final = null;
        var text = new System.Text.StringBuilder();
        await foreach (var message in StreamTurnAsync(JsonSerializer.SerializeToElement(input), cancellationToken).ConfigureAwait(false))
        {
            if (message is StepDelta delta) text.Append(delta.Text);
            else if (message is InteractionStarted) text.Clear();
            final = message;
        }
        return new InteractionOutcome(final!, text.ToString());
    }

    /// <summary>Sends a turn (<paramref name="input"/>: any form the API takes) and yields its events, as <see cref="IInteractionsBus.StreamAsync(ConversationTurnRequested, CancellationToken)"/>.</summary>
    public IAsyncEnumerable<object> StreamTurnAsync(JsonElement input, CancellationToken cancellationToken = default)
    {
        var turn = new ConversationTurnRequested { RequestId = Guid.NewGuid(), ConversationId = Id, Input = input, Request = _firstRequest };
        _firstRequest = default; // later turns reuse the conversation's settings
        return _bus.StreamAsync(turn, cancellationToken);
    }
}
