using System.Text.Json;
using System.Text.Json.Serialization;

namespace Messaging.Contracts;

/// <summary>Event: the interaction ended <c>requires_action</c>: the model waits for function results.</summary>
public sealed record InteractionRequiresAction
{
    /// <summary>The <see cref="InteractionRequested"/> that caused this event (after a function loop, the continuation's).</summary>
    public Guid RequestId { get; init; }

    /// <summary>The conversation (defaults to the first request's id).</summary>
    public Guid ConversationId { get; init; }

    /// <summary>The turn: the first requestId of the turn; match a turn's final event by it.</summary>
    public Guid TurnId { get; init; }

    /// <summary>The API's interaction id.</summary>
    public string InteractionId { get; init; } = "";

    /// <summary>Every step this interaction generated, thought and function_call steps included (API JSON array).</summary>
    [JsonConverter(typeof(ApiJsonConverter))]
    public JsonElement Steps { get; init; }

    /// <summary>The calls to answer.</summary>
    public IReadOnlyList<FunctionCall> Calls { get; init; } = [];

    /// <summary>Token usage of this interaction (API JSON), read with a GET when the stream did not report it; the saga sums it into the conversation's totals.</summary>
    [JsonConverter(typeof(ApiJsonConverter))]
    public JsonElement Usage { get; init; }
}
