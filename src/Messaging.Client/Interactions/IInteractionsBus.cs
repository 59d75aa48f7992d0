using Messaging.Contracts;

namespace Messaging.Client.Interactions;

/// <summary>
/// Requests to the Messaging workers over the caller's MassTransit bus, answered on this instance's own reply queue:
/// no consumer per event type, no filtering by ids, no reordering by hand.
/// </summary>
public interface IInteractionsBus
{
    /// <summary>
    /// Publishes <paramref name="request"/> (its <c>replyTo</c> set to this instance's queue) and yields the turn's events in
    /// order and exactly once — through any function loop the saga runs (<see cref="InteractionRequiresAction"/> and
    /// <see cref="FunctionCallRequested"/> pass by, the continuation follows) — ending with the turn's final event:
    /// <see cref="InteractionCompleted"/>, <see cref="InteractionFailed"/>, <see cref="InteractionCancelled"/> or
    /// <see cref="InteractionRejected"/>. Cancelling <paramref name="cancellationToken"/> publishes a
    /// <see cref="CancelInteraction"/> for the turn.
    /// </summary>
    IAsyncEnumerable<object> StreamAsync(InteractionRequested request, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="StreamAsync(InteractionRequested, CancellationToken)"/>, for a saga-managed turn.</summary>
    IAsyncEnumerable<object> StreamAsync(ConversationTurnRequested turn, CancellationToken cancellationToken = default);

    /// <summary>Publishes <paramref name="request"/> and returns its turn's outcome.</summary>
    Task<InteractionOutcome> SendAsync(InteractionRequested request, CancellationToken cancellationToken = default);

    /// <summary>
    /// A conversation the saga keeps: the first <see cref="Conversation.TurnAsync(string, CancellationToken)"/> starts it with
    /// <paramref name="request"/> (the create body without input: model or agent, tools, config).
    /// </summary>
    Conversation StartConversation(System.Text.Json.JsonElement request, Guid? conversationId = null);

    /// <summary>A conversation that exists already, continued by its id alone (from any instance, stateless services included).</summary>
    Conversation Conversation(Guid conversationId);
}
