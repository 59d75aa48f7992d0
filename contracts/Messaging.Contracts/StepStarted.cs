using System.Text.Json;
using System.Text.Json.Serialization;

namespace Messaging.Contracts;

/// <summary>Event: a step begins. <see cref="Step"/> is the API's initial form of it (it may already hold content).</summary>
public sealed record StepStarted
{
    /// <summary>The <see cref="InteractionRequested"/> that caused this event (after a function loop, the continuation's).</summary>
    public Guid RequestId { get; init; }

    /// <summary>The conversation (defaults to the first request's id).</summary>
    public Guid ConversationId { get; init; }

    /// <summary>The turn: the first requestId of the turn; match a turn's final event by it.</summary>
    public Guid TurnId { get; init; }

    /// <summary>The API's interaction id.</summary>
    public string InteractionId { get; init; } = "";

    /// <summary>The step's 0-based position among this interaction's generated steps.</summary>
    public int Index { get; init; }

    /// <summary>The step as <c>step.start</c> carried it (API JSON).</summary>
    [JsonConverter(typeof(ApiJsonConverter))]
    public JsonElement Step { get; init; }

    /// <summary>
    /// Which attempt of the request this event belongs to: absent (1) unless the request had to start over
    /// (a <c>store: false</c> interaction whose worker died cannot be read back, so it is generated again). Events of a
    /// lower attempt are superseded: drop them.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Attempt { get; init; }

    /// <summary>
    /// How many of the request's deltas (<see cref="StepDelta.Sequence"/>) were published before this event: a consumer that
    /// reorders shows the step's start after exactly those (see <c>Messaging.Client.RequestStreamAssembler</c>). Absent from older workers.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? AfterSequence { get; init; }
}
