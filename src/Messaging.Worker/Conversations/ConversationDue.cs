namespace Messaging.Worker.Conversations;

/// <summary>
/// Internal message from <see cref="ConversationSweeper"/>: a conversation's deadline (function results) or retention
/// may have passed. The saga checks the times itself, so a duplicate or early one does nothing. This replaces
/// scheduled messages, which on RabbitMQ need the delayed-message plugin.
/// </summary>
public sealed record ConversationDue
{
    /// <summary>The conversation to look at.</summary>
    public Guid ConversationId { get; init; }
}
