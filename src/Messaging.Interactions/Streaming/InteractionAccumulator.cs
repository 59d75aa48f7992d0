using System.Globalization;
using System.Text.Json.Nodes;
using Messaging.Interactions.Json;
using Messaging.Interactions.Models;
using Messaging.Interactions.Models.Steps;

namespace Messaging.Interactions.Streaming;

/// <summary>
/// Turns a stream's events into the finished <see cref="Interaction"/>: whole steps from
/// <c>step.start</c>/<c>step.delta</c>/<c>step.stop</c> (see <see cref="StepBuilder"/>), the status from
/// status updates and the final <c>interaction.completed</c>. The result's steps equal those a
/// <c>GET</c> of the finished interaction returns after its input.
/// </summary>
public sealed class InteractionAccumulator
{
    private readonly SortedDictionary<int, StepBuilder> _open = [];
    private readonly SortedDictionary<int, Step> _done = [];
    private JsonObject _interaction = [];

    /// <summary>The interaction's id, once known.</summary>
    public string? InteractionId { get; private set; }

    /// <summary>The latest status seen.</summary>
    public InteractionStatus Status { get; private set; }

    /// <summary>The id of the last event applied (the stream's resume point).</summary>
    public string? LastEventId { get; private set; }

    /// <summary>True once <c>interaction.completed</c> was applied.</summary>
    public bool IsCompleted { get; private set; }

    /// <summary>The <c>error</c> events seen.</summary>
    public IList<ErrorEvent> Errors { get; } = [];

    /// <summary>The steps completed so far, by index.</summary>
    public IReadOnlyList<Step> CompletedSteps => _done.Values.ToList();

    /// <summary>The text the stream has delivered so far for the step at <paramref name="index"/> (its text blocks; empty when none).</summary>
    public string TextSoFar(int index) =>
        _open.TryGetValue(index, out var open) ? open.TextSoFar
        : _done.TryGetValue(index, out var done) && done is ModelOutputStep output ? output.Text
        : "";

    /// <summary>Applies one event; returns the whole step when the event completes one.</summary>
    public Step? Apply(InteractionEvent evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        if (evt.EventId is { } id) LastEventId = id;
        switch (evt)
        {
            case InteractionCreatedEvent created:
                MergeInteraction(created.Json["interaction"] as JsonObject);
                break;
            case InteractionStatusUpdateEvent update:
                if (update.InteractionId is { } iid) InteractionId ??= iid;
                if (!string.IsNullOrEmpty(update.Status.Value))
                {
                    Status = update.Status;
                    _interaction["status"] = update.Status.Value;
                }
                break;
            case StepStartEvent start:
                _open[start.Index] = new StepBuilder(start.Json["step"] as JsonObject ?? []);
                break;
            case StepDeltaEvent delta:
                BuilderAt(delta.Index).Apply(delta.Delta);
                break;
            case StepStopEvent stop:
                var step = BuilderAt(stop.Index).Complete();
                _open.Remove(stop.Index);
                _done[stop.Index] = step;
                return step;
            case InteractionCompletedEvent completed:
                MergeInteraction(completed.Json["interaction"] as JsonObject);
                IsCompleted = true;
                break;
            case InteractionSnapshotEvent snapshot:
                // The stream broke for good and the client read the finished interaction instead:
                // its steps replace whatever was half-built.
                _open.Clear();
                _done.Clear();
                var snapshotSteps = snapshot.Interaction.Steps;
                for (var i = 0; i < snapshotSteps.Count; i++) _done[i] = snapshotSteps[i];
                MergeInteraction(snapshot.Json["interaction"] as JsonObject);
                _interaction.Remove("steps");
                IsCompleted = true;
                break;
            case ErrorEvent error:
                Errors.Add(error);
                break;
        }
        return null;
    }

    /// <summary>
    /// Everything accumulated so far as one JSON object (the resource, whole and half-built steps, status, resume point,
    /// errors) without changing it; <see cref="FromSnapshot"/> continues from there, e.g. on another replica resuming the
    /// stream after <see cref="LastEventId"/>.
    /// </summary>
    public JsonObject ToSnapshot()
    {
        var done = new JsonObject();
        foreach (var (index, step) in _done) done[index.ToString(CultureInfo.InvariantCulture)] = InteractionsJson.Clone(step.Json);
        var open = new JsonObject();
        foreach (var (index, builder) in _open) open[index.ToString(CultureInfo.InvariantCulture)] = builder.ToSnapshot();
        var errors = new JsonArray();
        foreach (var error in Errors) errors.Add(InteractionsJson.Clone(error.Json));
        return new JsonObject
        {
            ["interaction"] = InteractionsJson.Clone(_interaction), ["done"] = done, ["open"] = open,
            ["interaction_id"] = InteractionId, ["status"] = Status.Value, ["last_event_id"] = LastEventId,
            ["completed"] = IsCompleted, ["errors"] = errors,
        };
    }

    /// <summary>An accumulator in the state <see cref="ToSnapshot"/> wrote.</summary>
    public static InteractionAccumulator FromSnapshot(JsonObject snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var accumulator = new InteractionAccumulator
        {
            _interaction = snapshot["interaction"] is JsonObject interaction ? InteractionsJson.Clone(interaction) : [],
            InteractionId = (snapshot["interaction_id"] as JsonValue)?.ToString(),
            Status = snapshot["status"] is JsonValue status ? new InteractionStatus(status.ToString()) : default,
            LastEventId = (snapshot["last_event_id"] as JsonValue)?.ToString(),
            IsCompleted = snapshot["completed"] is JsonValue completed && completed.GetValue<bool>(),
        };
        if (snapshot["done"] is JsonObject done)
        {
            foreach (var (index, step) in done)
            {
                if (step is JsonObject json) accumulator._done[int.Parse(index, CultureInfo.InvariantCulture)] = Step.From(InteractionsJson.Clone(json));
            }
        }
        if (snapshot["open"] is JsonObject open)
        {
            foreach (var (index, builder) in open)
            {
                if (builder is JsonObject json) accumulator._open[int.Parse(index, CultureInfo.InvariantCulture)] = StepBuilder.FromSnapshot(json);
            }
        }
        if (snapshot["errors"] is JsonArray errors)
        {
            foreach (var error in errors.OfType<JsonObject>()) accumulator.Errors.Add(new ErrorEvent(InteractionsJson.Clone(error)));
        }
        return accumulator;
    }

    /// <summary>
    /// The interaction as accumulated so far: the resource from the created/completed events, with the
    /// streamed steps (or, when none were streamed, the steps the completed event carried).
    /// </summary>
    public Interaction ToInteraction()
    {
        var json = InteractionsJson.Clone(_interaction);
        foreach (var (index, builder) in _open) _done.TryAdd(index, builder.Complete());
        if (_done.Count > 0 || json["steps"] is not JsonArray)
        {
            var steps = new JsonArray();
            foreach (var step in _done.Values) steps.Add(InteractionsJson.Clone(step.Json));
            json["steps"] = steps;
        }
        return new Interaction(json);
    }

    private StepBuilder BuilderAt(int index)
    {
        // A delta without a start (e.g. a resumed stream that began mid-step) starts an empty step.
        if (!_open.TryGetValue(index, out var builder))
        {
            builder = new StepBuilder([]);
            _open[index] = builder;
        }
        return builder;
    }

    private void MergeInteraction(JsonObject? partial)
    {
        if (partial is null) return;
        foreach (var (name, value) in partial) _interaction[name] = value?.DeepClone();
        if (partial["id"] is JsonValue id) InteractionId = id.ToString();
        if (partial["status"] is JsonValue status) Status = new InteractionStatus(status.ToString());
    }
}
