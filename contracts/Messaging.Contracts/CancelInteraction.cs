namespace Messaging.Contracts;

/// <summary>
/// Command: stop an interaction. Give any id that identifies it. It reaches the replica that holds
/// the stream (each replica has its own control queue); background runs are cancelled through the API.
/// </summary>
public sealed record CancelInteraction
{
    /// <summary>The conversation (cancels its running turn).</summary>
    public Guid? ConversationId { get; init; }

    /// <summary>The turn.</summary>
    public Guid? TurnId { get; init; }

    /// <summary>The request.</summary>
    public Guid? RequestId { get; init; }

    /// <summary>The API interaction id.</summary>
    public string? InteractionId { get; init; }
}
