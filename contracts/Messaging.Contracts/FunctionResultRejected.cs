namespace Messaging.Contracts;

/// <summary>
/// Event from the conversation saga: a <see cref="FunctionResultSubmitted"/> was not used, so its executor
/// hears why instead of silence. Duplicates of an accepted result are ignored without this event.
/// </summary>
public sealed record FunctionResultRejected
{
    /// <summary>The conversation named by the result.</summary>
    public Guid ConversationId { get; init; }

    /// <summary>The interaction named by the result.</summary>
    public string InteractionId { get; init; } = "";

    /// <summary>The call named by the result.</summary>
    public string CallId { get; init; } = "";

    /// <summary>
    /// <c>unknown_conversation</c>, <c>unknown_interaction</c>, <c>unknown_call</c> (the interaction asked for no such call),
    /// or <c>late</c> (the interaction's round already ended: continued, timed out, failed or cancelled).
    /// </summary>
    public string Reason { get; init; } = "";

    /// <summary>A sentence for people.</summary>
    public string? Message { get; init; }
}
