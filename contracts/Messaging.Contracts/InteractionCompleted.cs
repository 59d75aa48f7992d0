using System.Text.Json;
using System.Text.Json.Serialization;

namespace Messaging.Contracts;

/// <summary>
/// Event: the turn's last interaction reached a terminal status with output (<c>completed</c>,
/// <c>incomplete</c> or <c>budget_exceeded</c>).
/// </summary>
public sealed record InteractionCompleted
{
    /// <summary>The <see cref="InteractionRequested"/> that caused this event (after a function loop, the continuation's).</summary>
    public Guid RequestId { get; init; }

    /// <summary>The conversation (defaults to the first request's id).</summary>
    public Guid ConversationId { get; init; }

    /// <summary>The turn: the first requestId of the turn; match a turn's final event by it.</summary>
    public Guid TurnId { get; init; }

    /// <summary>The API's interaction id.</summary>
    public string InteractionId { get; init; } = "";

    /// <summary>The API status.</summary>
    public string Status { get; init; } = "";

    /// <summary>Every step the interaction generated (API JSON array).</summary>
    [JsonConverter(typeof(ApiJsonConverter))]
    public JsonElement Steps { get; init; }

    /// <summary>The answer text, computed as the official SDK's <c>output_text</c>; null when there is none.</summary>
    public string? OutputText { get; init; }

    /// <summary>Token usage (API JSON), read with a GET when the stream did not report it.</summary>
    [JsonConverter(typeof(ApiJsonConverter))]
    public JsonElement Usage { get; init; }

    /// <summary>The ids of every hop when the API asked for continuation (<c>requires_continuation</c>), in order; empty otherwise.</summary>
    public IReadOnlyList<string> ContinuationIds { get; init; } = [];

    /// <summary>The remote sandbox's <c>environment_id</c> when the request asked for an <c>environment</c> (agents); reuse it in a later request.</summary>
    public string? EnvironmentId { get; init; }
}
