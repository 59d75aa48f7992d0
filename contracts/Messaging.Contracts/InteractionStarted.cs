using System.Text.Json.Serialization;

namespace Messaging.Contracts;

/// <summary>Event: the worker created the interaction and is streaming it.</summary>
public sealed record InteractionStarted
{
    /// <summary>The <see cref="InteractionRequested"/> that caused this event (after a function loop, the continuation's).</summary>
    public Guid RequestId { get; init; }

    /// <summary>The conversation (defaults to the first request's id).</summary>
    public Guid ConversationId { get; init; }

    /// <summary>The turn: the first requestId of the turn; match a turn's final event by it.</summary>
    public Guid TurnId { get; init; }

    /// <summary>The API's interaction id.</summary>
    public string InteractionId { get; init; } = "";

    /// <summary>The model, for model interactions.</summary>
    public string? Model { get; init; }

    /// <summary>The agent, for agent interactions.</summary>
    public string? Agent { get; init; }

    /// <summary>The API status when created (usually <c>in_progress</c>).</summary>
    public string Status { get; init; } = "";

    /// <summary>The API's <c>created</c> timestamp (ISO-8601, as sent).</summary>
    public string? Created { get; init; }

    /// <summary>The remote sandbox's <c>environment_id</c> when the request asked for an <c>environment</c> (agents); reuse it in a later request.</summary>
    public string? EnvironmentId { get; init; }

    /// <summary>
    /// Which attempt of the request this event belongs to: absent (1) unless the request had to start over
    /// (a <c>store: false</c> interaction whose worker died cannot be read back, so it is generated again). Events of a
    /// lower attempt are superseded: drop them.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Attempt { get; init; }

    /// <summary>The interaction of the attempt this one replaces (see <see cref="Attempt"/>), when it was known.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Supersedes { get; init; }
}
