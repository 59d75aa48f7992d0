using System.Text.Json.Nodes;
using Messaging.Interactions.Json;
using Messaging.Interactions.Models;
using Messaging.Interactions.Models.Deltas;
using Messaging.Interactions.Models.Steps;

namespace Messaging.Interactions.Streaming;

/// <summary>
/// One server-sent event of an interaction stream, read from its JSON <c>data</c>. The JSON
/// <c>event_type</c> decides the type (the SSE <c>event:</c> line is cosmetic, as in the official SDK);
/// unknown event types become <see cref="UnknownInteractionEvent"/> and are not an error.
/// </summary>
public abstract class InteractionEvent(JsonObject json) : JsonObjectView(json)
{
    /// <summary><c>event_type</c>.</summary>
    public string EventType => GetString("event_type") ?? "";
    /// <summary><c>event_id</c>, the token to resume the stream after this event.</summary>
    public string? EventId => GetString("event_id");

    /// <summary>Picks the typed view for <paramref name="json"/>'s <c>event_type</c>.</summary>
    public static InteractionEvent From(JsonObject json) => (json["event_type"] as JsonValue)?.ToString() switch
    {
        EventTypes.InteractionCreated => new InteractionCreatedEvent(json),
        EventTypes.InteractionStatusUpdate => new InteractionStatusUpdateEvent(json),
        EventTypes.StepStart => new StepStartEvent(json),
        EventTypes.StepDelta => new StepDeltaEvent(json),
        EventTypes.StepStop => new StepStopEvent(json),
        EventTypes.InteractionCompleted => new InteractionCompletedEvent(json),
        EventTypes.Error => new ErrorEvent(json),
        _ => new UnknownInteractionEvent(json),
    };

    /// <summary>Parses an event from its JSON text.</summary>
    public static InteractionEvent Parse(string json) => From(InteractionsJson.ParseObject(json));
}

/// <summary>The event type names the API defines.</summary>
public static class EventTypes
{
#pragma warning disable CS1591 // the names are the documentation
    public const string InteractionCreated = "interaction.created";
    public const string InteractionStatusUpdate = "interaction.status_update";
    public const string StepStart = "step.start";
    public const string StepDelta = "step.delta";
    public const string StepStop = "step.stop";
    public const string InteractionCompleted = "interaction.completed";
    public const string Error = "error";
#pragma warning restore CS1591
}

/// <summary><c>interaction.created</c>: the interaction's id and initial status.</summary>
public sealed class InteractionCreatedEvent(JsonObject json) : InteractionEvent(json)
{
    /// <summary>The partial resource.</summary>
    public Interaction Interaction => new(Json["interaction"] as JsonObject ?? new JsonObject());
}

/// <summary><c>interaction.status_update</c>: a status change, possibly with a checkpoint continuation token.</summary>
public sealed class InteractionStatusUpdateEvent(JsonObject json) : InteractionEvent(json)
{
    /// <summary><c>interaction_id</c>.</summary>
    public string? InteractionId => GetString("interaction_id");
    /// <summary><c>status</c>.</summary>
    public InteractionStatus Status => new(GetString("status") ?? "");
    /// <summary><c>continuation_token</c> (a mid-stream checkpoint).</summary>
    public string? ContinuationToken => GetString("continuation_token");
    /// <summary><c>usage</c> so far.</summary>
    public Usage? Usage => Json["usage"] is JsonObject o ? new Usage(o) : null;
}

/// <summary><c>step.start</c>: a step begins at <see cref="Index"/>; <see cref="Step"/> may already hold data.</summary>
public sealed class StepStartEvent(JsonObject json) : InteractionEvent(json)
{
    /// <summary><c>index</c>: position among this turn's generated steps.</summary>
    public int Index => (int)(GetInt64("index") ?? 0);
    /// <summary>The step's initial form.</summary>
    public Step Step => Step.From(Json["step"] as JsonObject ?? new JsonObject());
}

/// <summary><c>step.delta</c>: an update of the step at <see cref="Index"/>.</summary>
public sealed class StepDeltaEvent(JsonObject json) : InteractionEvent(json)
{
    /// <summary><c>index</c>.</summary>
    public int Index => (int)(GetInt64("index") ?? 0);
    /// <summary><c>delta</c>.</summary>
    public Delta Delta => Delta.From(Json["delta"] as JsonObject ?? new JsonObject());
}

/// <summary><c>step.stop</c>: the step at <see cref="Index"/> is complete.</summary>
public sealed class StepStopEvent(JsonObject json) : InteractionEvent(json)
{
    /// <summary><c>index</c>.</summary>
    public int Index => (int)(GetInt64("index") ?? 0);
    /// <summary><c>usage</c>, when given.</summary>
    public Usage? Usage => Json["usage"] is JsonObject o ? new Usage(o) : null;
    /// <summary><c>step_usage</c>, when given.</summary>
    public JsonObject? StepUsage => Json["step_usage"] as JsonObject;
}

/// <summary><c>interaction.completed</c>: the final status (any of them), usage, sometimes the steps.</summary>
public sealed class InteractionCompletedEvent(JsonObject json) : InteractionEvent(json)
{
    /// <summary>The partial resource with the final status.</summary>
    public Interaction Interaction => new(Json["interaction"] as JsonObject ?? new JsonObject());
}

/// <summary><c>error</c>: a failure reported inside the stream (<c>code</c> is a string here).</summary>
public sealed class ErrorEvent(JsonObject json) : InteractionEvent(json)
{
    /// <summary><c>error</c>.</summary>
    public ApiError Error => new(Json["error"] as JsonObject ?? new JsonObject());
}

/// <summary>An event type this library does not know; kept so callers can see it, and otherwise ignored.</summary>
public sealed class UnknownInteractionEvent(JsonObject json) : InteractionEvent(json);
