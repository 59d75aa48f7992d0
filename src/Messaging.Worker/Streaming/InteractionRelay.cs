using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Contracts;
using Messaging.Interactions.Models;
using Messaging.Interactions.Models.Deltas;
using Messaging.Interactions.Models.Steps;
using Messaging.Interactions.Streaming;
using Messaging.Worker.Infrastructure;
using Messaging.Worker.Publishing;

namespace Messaging.Worker.Streaming;

/// <summary>
/// Owns everything one request publishes: its ids, step indexes, delta sequences, the hop being read and every
/// message built from them, from <see cref="InteractionStarted"/> to the final event. Made by
/// <see cref="InteractionRelayFactory"/>; the handler only decides what happens next. Events go out in order through
/// the request's own publishing lane (<see cref="IStreamEventLane"/>): the broker holds a stream's events in the
/// order they happened, and the request's message is acknowledged only after <see cref="ConfirmAsync"/>. Across
/// continuation hops, step indexes and delta sequences continue where the previous hop stopped, so they stay unique
/// and gapless for the whole request.
/// <para>
/// Every message has a messageId derived from the request, its <see cref="Attempt"/> and the event (see
/// <see cref="EventMessageId"/>), and the relay's whole state can be checkpointed (<see cref="OnCheckpoint"/>) and
/// restored on another replica (<see cref="Restore"/>): that replica resumes the stream after the checkpoint's event and
/// publishes what follows with the same sequence numbers and ids. A checkpoint is offered at most once per
/// <see cref="CheckpointInterval"/>, after an event that carries an <c>event_id</c> (the resume point), once the broker has
/// confirmed everything published up to it (the stream goes on meanwhile); the first one of each interaction, which names
/// it, is offered at once.
/// </para>
/// <para>
/// Deltas are coalesced (<see cref="WorkerOptions.DeltaCoalescingWindow"/>): a delta is held while the stream
/// already has the next event buffered, and goes out when the stream runs dry, when the next event cannot
/// merge with it, or — if the last delta message left less than a window ago — when the window ends. So an
/// idle stream's delta leaves at once, a fast one sends at most one message per window, and every other
/// event flushes the held deltas first: order and gapless sequence ranges are kept.
/// </para>
/// </summary>
internal sealed class InteractionRelay(
    IStreamEventLane lane, WorkerTelemetry telemetry, RequestIds ids, CancellationToken publishToken,
    TimeSpan coalescingWindow = default, DeltaDeliveryMode deliveryMode = DeltaDeliveryMode.Persistent)
{
    private readonly long _windowTicks = (long)(coalescingWindow.TotalSeconds * Stopwatch.Frequency);
    private PendingDelta? _pending;
    private long _lastDeltaPublish;
    private readonly List<Step> _steps = [];
    private readonly List<string> _hopIds = [];
    private readonly List<JsonObject> _usages = [];
    private readonly HashSet<int> _startedIndexes = [];
    private readonly HashSet<int> _completedIndexes = [];
    private InteractionAccumulator _hop = new();
    private Interaction? _lastHop;
    private IReadOnlyList<ErrorEvent> _lastHopErrors = [];
    private int _indexOffset;
    private long _sequence;
    private string? _status;
    private int _statusChanges;
    private bool _started;
    private string? _hopInteractionId;
    private long _applied;
    private long _publishedThrough;
    private long _pendingThrough;
    private (long Number, JsonObject State)? _candidate;
    private (JsonObject State, Task Confirmed)? _confirming;
    private long _lastCandidate = long.MinValue / 2;

    public Guid RequestId => ids.RequestId;

    /// <summary>When the request was published, for its start's stages (<see cref="WorkerTelemetry.Stage"/>).</summary>
    public DateTime? PublishedAt => ids.PublishedAt;

    /// <summary>Which attempt of the request this is (1 unless it had to start over).</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>The interaction of the attempt this one replaces, for <see cref="InteractionStarted.Supersedes"/>.</summary>
    public string? Supersedes { get; init; }

    /// <summary>Receives checkpoints: the state, and true when it must be written at once (it names a new interaction).</summary>
    public Action<JsonObject, bool>? OnCheckpoint { get; init; }

    /// <summary>The least time between two progress checkpoints.</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The interaction being relayed (the latest hop); empty before the API created one.</summary>
    public string InteractionId { get; private set; } = "";


    /// <summary>The hops finished so far (continuations), in order.</summary>
    public IReadOnlyList<string> HopIds => _hopIds;

    /// <summary>The last event of the hop being read: where its stream resumes.</summary>
    public string? LastEventId => _hop.LastEventId;

    /// <summary>True when the hop being read has reached its end (its <c>interaction.completed</c>).</summary>
    public bool HopCompleted => _hop.IsCompleted;

    private Guid IdOf(string key) => EventMessageId.For(ids.RequestId, Attempt, key);

    private int? AttemptMember => Attempt > 1 ? Attempt : null;

    /// <summary>Publishes the final events, after the deltas held (see <see cref="ConfirmAsync"/> for when they are on the broker).</summary>
    public async Task PublishAsync(FinalEvents finals)
    {
        ArgumentNullException.ThrowIfNull(finals);
        await FlushDeltasAsync();
        await finals.PublishAsync(lane, publishToken);
    }

    /// <summary>Publishes the deltas held and ends when the broker has confirmed every event of this request so far.</summary>
    public async Task ConfirmAsync()
    {
        await FlushDeltasAsync();
        await lane.ConfirmAsync(publishToken);
    }

    /// <summary>
    /// Relays every event of <paramref name="events"/> (see <see cref="RelayAsync"/>) while reading ahead, so held
    /// deltas go out as soon as the stream runs dry or their window ends; <paramref name="next"/> runs after each
    /// event and stops the loop by returning false. Held deltas are flushed before it returns.
    /// </summary>
    public async Task RelayAllAsync(IAsyncEnumerable<InteractionEvent> events, Func<InteractionEvent, bool> next, CancellationToken cancellationToken)
    {
        var enumerator = events.GetAsyncEnumerator(cancellationToken);
        Task<bool>? reading = null;
        try
        {
            while (true)
            {
                bool more;
                var move = enumerator.MoveNextAsync();
                if (_pending is not null && !move.IsCompleted)
                {
                    // The stream is dry: publish now, or when the window since the last delta message ends,
                    // while the next read goes on.
                    reading = move.AsTask();
                    var wait = _lastDeltaPublish + _windowTicks - Stopwatch.GetTimestamp();
                    if (wait > 0) await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), cancellationToken));
                    if (!reading.IsCompleted)
                    {
                        await FlushDeltasAsync();
                        OfferCheckpoint();
                    }
                    more = await reading;
                    reading = null;
                }
                else
                {
                    more = await move;
                }
                if (!more) break;
                var evt = enumerator.Current;
                await RelayAsync(evt);
                if (!next(evt)) break;
            }
        }
        finally
        {
            if (reading is not null)
            {
                // A flush failed while the next read was under way: let the read end before the enumerator goes.
                try { await reading; } catch (Exception ex) when (ex is not OutOfMemoryException) { }
            }
            await enumerator.DisposeAsync();
        }
        await FlushDeltasAsync();
        OfferCheckpoint();
    }

    /// <summary>Publishes the deltas held, as one <see cref="Contracts.StepDelta"/>.</summary>
    private async Task FlushDeltasAsync()
    {
        if (_pending is not { } pending) return;
        _pending = null;
        _lastDeltaPublish = Stopwatch.GetTimestamp();
        var message = new Contracts.StepDelta
        {
            RequestId = ids.RequestId, ConversationId = ids.ConversationId, TurnId = ids.TurnId, InteractionId = InteractionId,
            Index = pending.Index, Sequence = pending.First, LastSequence = pending.Last, EventId = pending.EventId,
            Delta = ApiJson.ToElement(pending.Delta()), Text = pending.Text, Attempt = AttemptMember,
        };
        await lane.PublishAsync(message, IdOf($"delta:{pending.First}-{pending.Last}"), deliveryMode == DeltaDeliveryMode.Persistent, publishToken);
        if (pending.First == 1) telemetry.Stage(ids.PublishedAt, "first_delta_published");
        _publishedThrough = _pendingThrough;
        for (var i = 0; i < pending.Count; i++) telemetry.DeltaPublished(pending.Type);
    }

    /// <summary>Publishes <see cref="InteractionStarted"/> for the first interaction, a status change for later hops.</summary>
    public async Task CreatedAsync(Interaction created)
    {
        ArgumentNullException.ThrowIfNull(created);
        await FlushDeltasAsync();
        HopCreated(created.Id);
        if (_started)
        {
            await StatusAsync(created.Status.Value);
            return;
        }
        _started = true;
        _status = created.Status.Value;
        await lane.PublishAsync(new InteractionStarted
        {
            RequestId = ids.RequestId, ConversationId = ids.ConversationId, TurnId = ids.TurnId, InteractionId = InteractionId,
            Model = created.Model, Agent = created.Agent, Status = created.Status.Value, Created = created.Created,
            EnvironmentId = created.EnvironmentId, Attempt = AttemptMember, Supersedes = Supersedes,
        }, IdOf("started"), true, publishToken);
        telemetry.Stage(ids.PublishedAt, "started_published");
    }

    /// <summary>
    /// The API named the hop's interaction: it becomes <see cref="InteractionId"/>, and a checkpoint naming it is offered at
    /// once, in the state before any of its events (so a takeover reads its stream from the start).
    /// </summary>
    private void HopCreated(string? id)
    {
        if (string.IsNullOrEmpty(id) || id == _hopInteractionId) return;
        _hopInteractionId = id;
        InteractionId = id;
        _candidate = null;
        _confirming = null; // the previous hop's progress: the new hop's first checkpoint supersedes it
        OnCheckpoint?.Invoke(Checkpoint(new InteractionAccumulator()), true);
    }

    /// <summary>Publishes <see cref="InteractionStatusChanged"/> when <paramref name="status"/> differs from the last one published.</summary>
    public async Task StatusAsync(string? status)
    {
        if (StatusChange(status) is not { } change) return;
        await FlushDeltasAsync();
        await lane.PublishAsync(change.Message, change.Id, true, publishToken);
    }

    /// <summary>The <see cref="InteractionStatusChanged"/> for <paramref name="status"/>, or null when it is the last one published.</summary>
    private (InteractionStatusChanged Message, Guid Id)? StatusChange(string? status)
    {
        if (string.IsNullOrEmpty(status) || status == _status) return null;
        _status = status;
        return (new InteractionStatusChanged
        {
            RequestId = ids.RequestId, ConversationId = ids.ConversationId, TurnId = ids.TurnId, InteractionId = InteractionId, Status = status,
        }, IdOf($"status:{++_statusChanges}"));
    }

    /// <summary>Applies <paramref name="evt"/> to the hop being read and publishes what it means.</summary>
    public async Task RelayAsync(InteractionEvent evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var number = ++_applied;
        if (number == 1) telemetry.Stage(ids.PublishedAt, "first_event");
        switch (evt)
        {
            case InteractionCreatedEvent created:
                HopCreated(created.Interaction.Id);
                break;
            case InteractionStatusUpdateEvent { InteractionId.Length: > 0 } update when _hopInteractionId is null:
                HopCreated(update.InteractionId);
                break;
        }
        // A snapshot replaces what the stream had built: read what it had delivered first.
        var streamed = evt is InteractionSnapshotEvent whole
            ? Enumerable.Range(0, whole.Interaction.Steps.Count).Select(_hop.TextSoFar).ToList()
            : null;
        var completedStep = _hop.Apply(evt);
        if (evt is StepDeltaEvent delta)
        {
            await HoldDeltaAsync(delta, number);
        }
        else
        {
            await FlushDeltasAsync();
            await PublishAsync(evt, completedStep, streamed);
            _publishedThrough = number;
        }
        if (OnCheckpoint is not null && evt.EventId is not null
            && Stopwatch.GetElapsedTime(_lastCandidate) >= CheckpointInterval)
        {
            _lastCandidate = Stopwatch.GetTimestamp();
            _candidate = (number, Checkpoint(_hop));
            // A delta message ends at the checkpoint, so a takeover's replays start where a message of this run started:
            // a consumer can cut the overlap out of differently coalesced replays (Messaging.Client.RequestStreamAssembler).
            if (evt is StepDeltaEvent) await FlushDeltasAsync();
        }
        OfferCheckpoint();
    }

    /// <summary>
    /// Once everything up to the candidate checkpoint's event is on the broker (confirmed), it is offered. The stream does
    /// not wait for that confirm (a quorum queue's takes a disk write): the candidate waits beside it, and is offered at
    /// the first event after its confirm came; a newer candidate replaces one still waiting.
    /// </summary>
    private void OfferCheckpoint()
    {
        if (_confirming is { } waiting && waiting.Confirmed.IsCompleted)
        {
            _confirming = null;
            // A confirm lost with the connection: the lane sends the messages again, and a later candidate covers them.
            if (waiting.Confirmed.IsCompletedSuccessfully) OnCheckpoint!(waiting.State, false);
        }
        if (_candidate is not { } candidate || candidate.Number > _publishedThrough) return;
        _candidate = null;
        var confirmed = lane.Confirmed();
        if (confirmed.IsCompletedSuccessfully) OnCheckpoint!(candidate.State, false);
        else
        {
            confirmed.ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
            _confirming = (candidate.State, confirmed);
        }
    }

    /// <summary>What a non-delta event means for the bus.</summary>
    private async Task PublishAsync(InteractionEvent evt, Step? completedStep, List<string>? streamed)
    {
        switch (evt)
        {
            case InteractionCreatedEvent created:
                await CreatedAsync(created.Interaction);
                break;
            case InteractionStatusUpdateEvent update:
                await StatusAsync(update.Status.Value);
                break;
            case StepStartEvent start:
                _startedIndexes.Add(start.Index);
                await PublishStepStartedAsync(start.Index, start.Json["step"]);
                break;
            case StepStopEvent stop when completedStep is not null:
                await PublishStepCompletedAsync(stop.Index, completedStep, stop.Json["usage"]);
                break;
            case InteractionSnapshotEvent snapshot:
                // The stream broke for good and the interaction was read with GET: complete what is missing, the text
                // the deltas never carried included, so the deltas still add up to the answer.
                var steps = snapshot.Interaction.Steps;
                for (var i = 0; i < steps.Count; i++)
                {
                    if (_completedIndexes.Contains(i)) continue;
                    if (!_startedIndexes.Contains(i)) await PublishStepStartedAsync(i, StartOf(steps[i]));
                    await PublishMissingTextAsync(i, steps[i], streamed![i]);
                    await PublishStepCompletedAsync(i, steps[i], null);
                }
                break;
        }
    }

    /// <summary>Closes the hop being read and returns it: its steps join the request's, the next hop's indexes follow them.</summary>
    public Interaction EndHop()
    {
        var hop = _hop.ToInteraction();
        if (hop.Id.Length == 0 && InteractionId.Length > 0) hop.Json["id"] = InteractionId;
        _steps.AddRange(hop.Steps);
        _hopIds.Add(hop.Id);
        if (hop.Json["usage"] is JsonObject usage) _usages.Add(usage);
        _indexOffset += hop.Steps.Count;
        _startedIndexes.Clear();
        _completedIndexes.Clear();
        _lastHop = hop;
        _lastHopErrors = _hop.Errors.ToList();
        _hop = new InteractionAccumulator();
        _hopInteractionId = null;
        _candidate = null;
        return hop;
    }

    /// <summary>The events that end the request with <see cref="InteractionCompleted"/>: every step of every hop, the answer's text, the usage summed over the hops.</summary>
    public FinalEvents Completed(string? model)
    {
        var hop = LastHop;
        var finals = StatusFinal(hop.Status.Value);
        var usage = SumUsage();
        telemetry.TokensUsed(usage is null ? null : new Usage(usage), model);
        return finals.Add(new InteractionCompleted
        {
            RequestId = ids.RequestId, ConversationId = ids.ConversationId, TurnId = ids.TurnId, InteractionId = InteractionId,
            Status = hop.Status.Value, Steps = AllSteps(), OutputText = Interaction.ComputeOutputText(_steps),
            Usage = ApiJson.ToElement(usage), ContinuationIds = _hopIds.Count > 1 ? _hopIds.ToList() : [], EnvironmentId = hop.EnvironmentId,
        }, IdOf($"final:{nameof(InteractionCompleted)}"));
    }

    /// <summary>The events that end the request with <see cref="InteractionRequiresAction"/>, then one <see cref="FunctionCallRequested"/> per call of the last hop.</summary>
    public FinalEvents RequiresAction(string? model)
    {
        var hop = LastHop;
        var finals = StatusFinal(hop.Status.Value);
        var usage = SumUsage();
        telemetry.TokensUsed(usage is null ? null : new Usage(usage), model);
        var calls = hop.Steps.OfType<FunctionCallStep>()
            .Select(c => new FunctionCall(c.Id, c.Name, ApiJson.ToElement(c.Json["arguments"] ?? new JsonObject()))).ToList();
        finals.Add(new InteractionRequiresAction
        {
            RequestId = ids.RequestId, ConversationId = ids.ConversationId, TurnId = ids.TurnId, InteractionId = InteractionId,
            Steps = AllSteps(), Calls = calls, Usage = ApiJson.ToElement(usage),
        }, IdOf($"final:{nameof(InteractionRequiresAction)}"));
        foreach (var call in calls)
        {
            finals.Add(new FunctionCallRequested
            {
                RequestId = ids.RequestId, ConversationId = ids.ConversationId, TurnId = ids.TurnId, InteractionId = InteractionId,
                CallId = call.CallId, Name = call.Name, Arguments = call.Arguments,
            }, IdOf($"call:{call.CallId}"));
        }
        return finals;
    }

    /// <summary>The events that end the request with <see cref="InteractionFailed"/> (after a status change to <paramref name="status"/>, when given).</summary>
    public FinalEvents Failed(string reason, string message, JsonElement error = default, bool retryable = false, int attempts = 1, string? status = null) =>
        StatusFinal(status).Add(new InteractionFailed
        {
            RequestId = ids.RequestId, ConversationId = ids.ConversationId, TurnId = ids.TurnId, InteractionId = InteractionId,
            Status = "failed", Error = error, Retryable = retryable, Attempts = attempts, Reason = reason, Message = message,
        }, IdOf($"final:{nameof(InteractionFailed)}"));

    /// <summary>The events that end the request with <see cref="InteractionFailed"/> for a hop that ended <c>failed</c>, with the API's error wherever it gave one.</summary>
    public FinalEvents HopFailed()
    {
        var hop = LastHop;
        var error = (hop.Errors.Count > 0 ? hop.Errors[0].Json : null)
            ?? _lastHopErrors.Select(e => e.Json["error"] as JsonObject).FirstOrDefault(e => e is not null)
            ?? hop.Steps.OfType<ModelOutputStep>().Select(s => s.Error?.Json).FirstOrDefault(e => e is not null);
        return Failed("api_error", error?["message"]?.ToString() ?? "The interaction failed.", ApiJson.ToElement(error), status: hop.Status.Value);
    }

    /// <summary>The event that ends a request refused before any call because a token budget is spent.</summary>
    public FinalEvents OverBudget(BudgetFigures budget, ValidationProblem problem) =>
        new FinalEvents().Add(new InteractionRejected
        {
            RequestId = ids.RequestId, ConversationId = ids.ConversationId, TurnId = ids.TurnId, Reason = "over_budget", Budget = budget, Errors = [problem],
        }, IdOf($"final:{nameof(InteractionRejected)}"));

    /// <summary>The events that end the request with <see cref="InteractionCancelled"/> (after a status change to <paramref name="status"/>, when given).</summary>
    public FinalEvents Cancelled(string? status = null) =>
        StatusFinal(status).Add(new InteractionCancelled
        {
            RequestId = ids.RequestId, ConversationId = ids.ConversationId, TurnId = ids.TurnId, InteractionId = InteractionId,
        }, IdOf($"final:{nameof(InteractionCancelled)}"));

    private FinalEvents StatusFinal(string? status)
    {
        var finals = new FinalEvents();
        if (StatusChange(status) is { } change) finals.Add(change.Message, change.Id);
        return finals;
    }

    private Interaction LastHop => _lastHop ?? throw new InvalidOperationException("No hop has ended yet.");

    private JsonElement AllSteps()
    {
        var steps = new JsonArray();
        foreach (var step in _steps) steps.Add(step.Json.DeepClone());
        return ApiJson.ToElement(steps);
    }

    /// <summary>The usage of the whole request: every numeric member summed over the hops, the rest as the last hop gave it.</summary>
    private JsonObject? SumUsage()
    {
        if (_usages.Count <= 1) return _usages.FirstOrDefault();
        var sum = (JsonObject)_usages[^1].DeepClone();
        foreach (var (name, value) in _usages[^1])
        {
            if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.Number) continue;
            long total = 0;
            foreach (var usage in _usages)
            {
                if (usage[name] is JsonValue n && n.TryGetValue(out long part)) total += part;
            }
            sum[name] = total;
        }
        return sum;
    }

    /// <summary>A step read whole, as its <c>step.start</c> would have been: a model output without its content, which follows as a delta.</summary>
    private static JsonObject StartOf(Step step)
    {
        if (step is not ModelOutputStep) return step.Json;
        var start = (JsonObject)step.Json.DeepClone();
        start.Remove("content");
        return start;
    }

    /// <summary>
    /// A model output step read whole (not streamed to its end): the part of its text no delta carried goes out as one
    /// more text delta, continuing the sequence. Text the deltas said differently than the step (never seen) is left.
    /// </summary>
    private async Task PublishMissingTextAsync(int index, Step step, string streamed)
    {
        if (step is not ModelOutputStep output) return;
        var full = output.Text;
        if (full.Length <= streamed.Length || !full.StartsWith(streamed, StringComparison.Ordinal)) return;
        var missing = full[streamed.Length..];
        var sequence = ++_sequence;
        await lane.PublishAsync(new Contracts.StepDelta
        {
            RequestId = ids.RequestId, ConversationId = ids.ConversationId, TurnId = ids.TurnId, InteractionId = InteractionId,
            Index = _indexOffset + index, Sequence = sequence, LastSequence = sequence,
            Delta = ApiJson.ToElement(new JsonObject { ["type"] = "text", ["text"] = missing }), Text = missing, Attempt = AttemptMember,
        }, IdOf($"delta:{sequence}-{sequence}"), deliveryMode == DeltaDeliveryMode.Persistent, publishToken);
        telemetry.DeltaPublished("text");
    }

    private ValueTask PublishStepStartedAsync(int index, JsonNode? step) =>
        lane.PublishAsync(new StepStarted
        {
            RequestId = ids.RequestId, ConversationId = ids.ConversationId, TurnId = ids.TurnId, InteractionId = InteractionId,
            Index = _indexOffset + index, Step = ApiJson.ToElement(step), Attempt = AttemptMember, AfterSequence = _sequence,
        }, IdOf($"step-started:{_indexOffset + index}"), true, publishToken);

    private async Task HoldDeltaAsync(StepDeltaEvent evt, long number)
    {
        var sequence = ++_sequence;
        var index = _indexOffset + evt.Index;
        if (_pending is { } pending && pending.TryMerge(index, sequence, evt.Delta, evt.EventId))
        {
            _pendingThrough = number;
            return;
        }
        await FlushDeltasAsync();
        _pending = new PendingDelta(index, sequence, evt.Delta, evt.EventId);
        _pendingThrough = number;
        if (_windowTicks == 0) await FlushDeltasAsync();
    }

    private async Task PublishStepCompletedAsync(int index, Step step, JsonNode? usage)
    {
        _completedIndexes.Add(index);
        await lane.PublishAsync(new StepCompleted
        {
            RequestId = ids.RequestId, ConversationId = ids.ConversationId, TurnId = ids.TurnId, InteractionId = InteractionId,
            Index = _indexOffset + index, Step = ApiJson.ToElement(step.Json), Usage = ApiJson.ToElement(usage), Attempt = AttemptMember,
            AfterSequence = _sequence,
        }, IdOf($"step-completed:{_indexOffset + index}"), true, publishToken);
    }

    /// <summary>
    /// Everything a replica needs to continue this request's stream after the hop's last applied event: the sequence,
    /// the indexes, the finished hops (steps, ids, usage), what was published of this hop, and the hop's accumulator.
    /// </summary>
    private JsonObject Checkpoint(InteractionAccumulator hop)
    {
        var steps = new JsonArray();
        foreach (var step in _steps) steps.Add(step.Json.DeepClone());
        var usages = new JsonArray();
        foreach (var usage in _usages) usages.Add(usage.DeepClone());
        return new JsonObject
        {
            ["interaction_id"] = InteractionId, ["sequence"] = _sequence, ["index_offset"] = _indexOffset, ["steps"] = steps,
            ["hop_ids"] = new JsonArray(_hopIds.Select(id => (JsonNode)id).ToArray()), ["usages"] = usages,
            ["started_indexes"] = new JsonArray(_startedIndexes.Order().Select(i => (JsonNode)i).ToArray()),
            ["completed_indexes"] = new JsonArray(_completedIndexes.Order().Select(i => (JsonNode)i).ToArray()),
            ["status"] = _status, ["status_changes"] = _statusChanges, ["started"] = _started, ["hop"] = hop.ToSnapshot(),
        };
    }

    /// <summary>Continues from a <see cref="Checkpoint"/> another relay (on any replica) wrote.</summary>
    public void Restore(JsonObject state)
    {
        ArgumentNullException.ThrowIfNull(state);
        InteractionId = state["interaction_id"]?.GetValue<string>() ?? "";
        _hopInteractionId = InteractionId.Length > 0 ? InteractionId : null;
        _sequence = state["sequence"]!.GetValue<long>();
        _indexOffset = state["index_offset"]!.GetValue<int>();
        foreach (var step in state["steps"]!.AsArray().OfType<JsonObject>()) _steps.Add(Step.From((JsonObject)step.DeepClone()));
        _hopIds.AddRange(state["hop_ids"]!.AsArray().Select(id => id!.GetValue<string>()));
        _usages.AddRange(state["usages"]!.AsArray().OfType<JsonObject>().Select(u => (JsonObject)u.DeepClone()));
        foreach (var index in state["started_indexes"]!.AsArray()) _startedIndexes.Add(index!.GetValue<int>());
        foreach (var index in state["completed_indexes"]!.AsArray()) _completedIndexes.Add(index!.GetValue<int>());
        _status = state["status"]?.GetValue<string>();
        _statusChanges = state["status_changes"]!.GetValue<int>();
        _started = state["started"]!.GetValue<bool>();
        _hop = InteractionAccumulator.FromSnapshot(state["hop"]!.AsObject());
    }
}
