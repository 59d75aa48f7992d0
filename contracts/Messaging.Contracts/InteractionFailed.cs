using System.Text.Json;
using System.Text.Json.Serialization;

namespace Messaging.Contracts;

/// <summary>Event: the interaction (or the turn) failed; <see cref="Reason"/> says why in one word.</summary>
public sealed record InteractionFailed
{
    /// <summary>The <see cref="InteractionRequested"/> that caused this event (after a function loop, the continuation's).</summary>
    public Guid RequestId { get; init; }

    /// <summary>The conversation (defaults to the first request's id).</summary>
    public Guid ConversationId { get; init; }

    /// <summary>The turn: the first requestId of the turn; match a turn's final event by it.</summary>
    public Guid TurnId { get; init; }

    /// <summary>The API's interaction id.</summary>
    public string InteractionId { get; init; } = "";

    /// <summary>The API status when known (<c>failed</c>), else <c>failed</c>.</summary>
    public string Status { get; init; } = "failed";

    /// <summary>The API's error object when there is one (API JSON: <c>code</c>, <c>status</c>, <c>message</c>).</summary>
    [JsonConverter(typeof(ApiJsonConverter))]
    public JsonElement Error { get; init; }

    /// <summary>True when the same request may succeed later (rate limits, server errors).</summary>
    public bool Retryable { get; init; }

    /// <summary>How many API attempts were made.</summary>
    public int Attempts { get; init; }

    /// <summary><c>api_error</c>, <c>stream_broken</c>, <c>timeout</c>, <c>round_limit</c>, <c>cancelled</c>, <c>quota</c> (the API's quota stayed exhausted past the worker's <c>Quota:MaxWait</c>), <c>quota_daily</c> (a per-day quota is spent), …</summary>
    public string Reason { get; init; } = "";

    /// <summary>A sentence for people.</summary>
    public string? Message { get; init; }
}
