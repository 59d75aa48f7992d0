using System.Text.Json;
using System.Text.Json.Serialization;

namespace Messaging.Contracts;

/// <summary>Event for function executors: run this call and answer with <see cref="FunctionResultSubmitted"/>. One per call.</summary>
public sealed record FunctionCallRequested
{
    /// <summary>The <see cref="InteractionRequested"/> that caused this event (after a function loop, the continuation's).</summary>
    public Guid RequestId { get; init; }

    /// <summary>The conversation (defaults to the first request's id).</summary>
    public Guid ConversationId { get; init; }

    /// <summary>The turn: the first requestId of the turn; match a turn's final event by it.</summary>
    public Guid TurnId { get; init; }

    /// <summary>The API's interaction id.</summary>
    public string InteractionId { get; init; } = "";

    /// <summary>The call's id.</summary>
    public string CallId { get; init; } = "";

    /// <summary>The function's name.</summary>
    public string Name { get; init; } = "";

    /// <summary>The arguments object (API JSON).</summary>
    [JsonConverter(typeof(ApiJsonConverter))]
    public JsonElement Arguments { get; init; }
}
