using System.Text.Json;
using System.Text.Json.Serialization;

namespace Messaging.Contracts;

/// <summary>
/// Event: an increment of a step. <see cref="Sequence"/> counts the deltas of one request (its
/// interaction, and the hops of an automatic continuation after it) from 1 without gaps; when several API deltas of one step are coalesced into one message, they span
/// <see cref="Sequence"/>..<see cref="LastSequence"/>. Consumers that process concurrently reorder by it.
/// </summary>
public sealed record StepDelta
{
    /// <summary>The <see cref="InteractionRequested"/> that caused this event (after a function loop, the continuation's).</summary>
    public Guid RequestId { get; init; }

    /// <summary>The conversation (defaults to the first request's id).</summary>
    public Guid ConversationId { get; init; }

    /// <summary>The turn: the first requestId of the turn; match a turn's final event by it.</summary>
    public Guid TurnId { get; init; }

    /// <summary>The API's interaction id.</summary>
    public string InteractionId { get; init; } = "";

    /// <summary>The step's index.</summary>
    public int Index { get; init; }

    /// <summary>The first API delta's number in this interaction (from 1).</summary>
    public long Sequence { get; init; }

    /// <summary>The last API delta's number carried by this message (equals <see cref="Sequence"/> unless coalesced).</summary>
    public long LastSequence { get; init; }

    /// <summary>
    /// The SSE JSON <c>event_id</c> of the last API delta carried (the stream's resume point); null for text the stream
    /// never delivered and the worker read from the finished interaction instead (the stream broke for good), so that
    /// the deltas still add up to the answer.
    /// </summary>
    public string? EventId { get; init; }

    /// <summary>The API delta (for coalesced text deltas, one text delta with the texts concatenated).</summary>
    [JsonConverter(typeof(ApiJsonConverter))]
    public JsonElement Delta { get; init; }

    /// <summary>The text this delta adds to the answer, when it is a text delta.</summary>
    public string? Text { get; init; }

    /// <summary>
    /// Which attempt of the request this event belongs to: absent (1) unless the request had to start over
    /// (a <c>store: false</c> interaction whose worker died cannot be read back, so it is generated again). Events of a
    /// lower attempt are superseded: drop them.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Attempt { get; init; }
}
