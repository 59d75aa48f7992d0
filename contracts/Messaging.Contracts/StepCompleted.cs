using System.Text.Json;
using System.Text.Json.Serialization;

namespace Messaging.Contracts;

/// <summary>Event: a step is complete; <see cref="Step"/> equals the step a GET of the interaction returns.</summary>
public sealed record StepCompleted
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

    /// <summary>The whole step (API JSON).</summary>
    [JsonConverter(typeof(ApiJsonConverter))]
    public JsonElement Step { get; init; }

    /// <summary>Usage reported with <c>step.stop</c>, if any (API JSON).</summary>
    [JsonConverter(typeof(ApiJsonConverter))]
    public JsonElement Usage { get; init; }

    /// <summary>
    /// Which attempt of the request this event belongs to: absent (1) unless the request had to start over
    /// (a <c>store: false</c> interaction whose worker died cannot be read back, so it is generated again). Events of a
    /// lower attempt are superseded: drop them.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Attempt { get; init; }

    /// <summary>
    /// How many of the request's deltas (<see cref="StepDelta.Sequence"/>) were published before this event, so the step's own
    /// last delta included: a consumer that reorders completes the step once it has shown that many. Absent from older workers.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? AfterSequence { get; init; }
}
