using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Contracts;

namespace Messaging.Client;

/// <summary>
/// One request's events as its consumer wants them, whatever the bus did: out of order (concurrent consumers),
/// twice (redeliveries, a worker resuming a stream another one was publishing), or from an attempt that was superseded.
/// Feed every event of the request to <see cref="Add"/>; it returns what can be shown now, in order: each delta's content
/// exactly once and gapless by <see cref="StepDelta.Sequence"/> (an overlapping replay, coalesced differently, is cut to
/// what is new), each step started before its deltas and completed after them, and one final event after the steps.
/// When a higher <see cref="StepDelta.Attempt"/> appears, what was shown of the earlier attempt is void: an
/// <see cref="AttemptSuperseded"/> comes first, then the new attempt from its start. The concatenated
/// <see cref="StepDelta.Text"/> it returns (<see cref="Text"/>) equals the final <see cref="InteractionCompleted.OutputText"/>.
/// </summary>
public sealed class RequestStreamAssembler
{
    private readonly SortedDictionary<long, List<StepDelta>> _deltas = [];
    private readonly Dictionary<long, long> _lengthThrough = new() { [0] = 0 };
    private readonly List<StepStarted> _starts = [];
    private readonly List<StepCompleted> _completions = [];
    private readonly HashSet<int> _started = [];
    private readonly HashSet<int> _completed = [];
    private readonly HashSet<string> _calls = [];
    private readonly StringBuilder _text = new();
    private object? _final;
    private bool _finalShown;
    private bool _interactionStarted;
    private string? _status;

    /// <summary>Reorders the events of <paramref name="requestId"/>.</summary>
    public RequestStreamAssembler(Guid requestId) => RequestId = requestId;

    /// <summary>The request.</summary>
    public Guid RequestId { get; }

    /// <summary>The attempt being shown (1 unless the request had to start over).</summary>
    public int Attempt { get; private set; } = 1;

    /// <summary>The deltas shown so far: every sequence up to this one, once.</summary>
    public long DeliveredThrough { get; private set; }

    /// <summary>The text of the deltas shown so far.</summary>
    public string Text => _text.ToString();

    /// <summary>The final event, once shown (<see cref="InteractionCompleted"/>, <see cref="InteractionRequiresAction"/>, <see cref="InteractionFailed"/>, <see cref="InteractionCancelled"/> or <see cref="InteractionRejected"/>).</summary>
    public object? Final => _finalShown ? _final : null;

    /// <summary>True once the final event was shown.</summary>
    public bool IsFinished => _finalShown;

    /// <summary>Events received but not shown yet (waiting for an earlier one).</summary>
    public int Waiting => _deltas.Values.Sum(l => l.Count) + _starts.Count + _completions.Count + (_final is not null && !_finalShown ? 1 : 0);

    /// <summary>Takes one event of the request; returns the events that can be shown now, in order (often just it, sometimes none).</summary>
    public IReadOnlyList<object> Add(object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var ready = new List<object>();
        switch (message)
        {
            case InteractionStarted started:
                if (!IsCurrent(started.Attempt, ready)) break;
                if (!_interactionStarted) ready.Add(started);
                _interactionStarted = true;
                break;
            case StepDelta delta:
                if (!IsCurrent(delta.Attempt, ready)) break;
                Learn(delta);
                if (delta.LastSequence > DeliveredThrough)
                {
                    if (!_deltas.TryGetValue(delta.Sequence, out var same)) _deltas[delta.Sequence] = same = [];
                    same.Add(delta);
                }
                break;
            case StepStarted start:
                if (IsCurrent(start.Attempt, ready) && !_started.Contains(start.Index) && _starts.All(s => s.Index != start.Index)) _starts.Add(start);
                break;
            case StepCompleted completion:
                if (IsCurrent(completion.Attempt, ready) && !_completed.Contains(completion.Index) && _completions.All(c => c.Index != completion.Index))
                    _completions.Add(completion);
                break;
            case InteractionStatusChanged changed:
                if (changed.Status != _status) ready.Add(changed);
                _status = changed.Status;
                break;
            case FunctionCallRequested call:
                if (_calls.Add(call.CallId)) ready.Add(call);
                break;
            case InteractionRejected { Errors: var errors } when errors.Any(e => e.Field == "requestId"):
                ready.Add(message); // a second message reused the requestId with another body: that message was refused, not the request
                break;
            case InteractionCompleted or InteractionRequiresAction or InteractionFailed or InteractionCancelled or InteractionRejected:
                _final ??= message;
                break;
            default:
                ready.Add(message);
                break;
        }
        Release(ready);
        return ready;
    }

    /// <summary>A delta, step or final event from a lower attempt is dropped; a higher one voids what was shown.</summary>
    private bool IsCurrent(int? attempt, List<object> ready)
    {
        var number = attempt ?? 1;
        if (number < Attempt) return false;
        if (number == Attempt) return true;
        Attempt = number;
        _deltas.Clear();
        _lengthThrough.Clear();
        _lengthThrough[0] = 0;
        _starts.Clear();
        _completions.Clear();
        _started.Clear();
        _completed.Clear();
        _text.Clear();
        _interactionStarted = false;
        DeliveredThrough = 0;
        ready.Add(new AttemptSuperseded(RequestId, number));
        return true;
    }

    private void Release(List<object> ready)
    {
        // A request's stream starts with InteractionStarted; only a failure (one before the API created anything) comes without.
        if (!_interactionStarted && _final is not (InteractionFailed or InteractionCancelled or InteractionRejected)) return;
        while (true)
        {
            if (NextStepEvent() is { } step)
            {
                ready.Add(step);
                continue;
            }
            if (NextDelta() is { } delta)
            {
                DeliveredThrough = delta.LastSequence;
                if (delta.Text is { } text) _text.Append(text);
                ready.Add(delta);
                continue;
            }
            break;
        }
        if (_final is not null && !_finalShown && FinalIsDue())
        {
            _finalShown = true;
            ready.Add(_final);
        }
    }

    /// <summary>The first step start or completion whose deltas have been shown: by index, a start before its completion.</summary>
    private object? NextStepEvent()
    {
        var start = _starts.Where(s => (s.AfterSequence ?? 0) <= DeliveredThrough).OrderBy(s => s.Index).FirstOrDefault();
        var completion = _completions.Where(c => (c.AfterSequence ?? 0) <= DeliveredThrough && _started.Contains(c.Index)).OrderBy(c => c.Index).FirstOrDefault();
        if (completion is not null && (start is null || completion.Index < start.Index))
        {
            _completions.Remove(completion);
            _completed.Add(completion.Index);
            return completion;
        }
        if (start is null) return null;
        _starts.Remove(start);
        _started.Add(start.Index);
        return start;
    }

    /// <summary>The delta that continues the shown ones: one that starts right after them, or a replay cut to what is new.</summary>
    private StepDelta? NextDelta()
    {
        foreach (var sequence in _deltas.Keys.ToList())
        {
            if (sequence > DeliveredThrough + 1) break;
            var list = _deltas[sequence];
            list.RemoveAll(d => d.LastSequence <= DeliveredThrough);
            if (list.Count == 0)
            {
                _deltas.Remove(sequence);
                continue;
            }
            foreach (var delta in list)
            {
                if (!_started.Contains(delta.Index) && (_starts.Count > 0 || _completions.Count > 0)) continue; // its step starts first
                if (sequence == DeliveredThrough + 1)
                {
                    Remove(list, sequence, delta);
                    return delta;
                }
                if (Cut(delta) is { } rest)
                {
                    Remove(list, sequence, delta);
                    return rest;
                }
            }
        }
        return null;
    }

    private void Remove(List<StepDelta> list, long sequence, StepDelta delta)
    {
        list.Remove(delta);
        if (list.Count == 0) _deltas.Remove(sequence);
    }

    /// <summary>
    /// A delta that overlaps the shown ones: its concatenated member (text or arguments) minus what the shown sequences
    /// already carried, when the lengths through both ends are known (from any message seen); otherwise null (it waits).
    /// </summary>
    private StepDelta? Cut(StepDelta delta)
    {
        if (MergedMember(delta) is not { } member) return null;
        if (!_lengthThrough.TryGetValue(delta.Sequence - 1, out var before) || !_lengthThrough.TryGetValue(DeliveredThrough, out var shown)) return null;
        var value = delta.Delta.GetProperty(member).GetString() ?? "";
        var skip = (int)(shown - before);
        if (skip < 0 || skip > value.Length) return null;
        var json = JsonNode.Parse(delta.Delta.GetRawText())!.AsObject();
        json[member] = value[skip..];
        return delta with
        {
            Sequence = DeliveredThrough + 1,
            Delta = JsonSerializer.SerializeToElement(json),
            Text = delta.Text is null ? null : value[skip..],
        };
    }

    /// <summary>Records the length of concatenated content through the delta's last sequence, when the length before it is known.</summary>
    private void Learn(StepDelta delta)
    {
        if (!_lengthThrough.TryGetValue(delta.Sequence - 1, out var before)) return;
        var length = MergedMember(delta) is { } member ? delta.Delta.GetProperty(member).GetString()?.Length ?? 0 : 0;
        _lengthThrough.TryAdd(delta.LastSequence, before + length);
        // A message seen earlier may continue from here.
        foreach (var next in _deltas.GetValueOrDefault(delta.LastSequence + 1) ?? []) Learn(next);
    }

    /// <summary>The member a coalesced delta concatenates (<c>text</c> for text, <c>arguments</c> for arguments_delta); null for others.</summary>
    private static string? MergedMember(StepDelta delta)
    {
        if (delta.Delta.ValueKind != JsonValueKind.Object || !delta.Delta.TryGetProperty("type", out var type)) return null;
        var member = type.GetString() switch { "text" => "text", "arguments_delta" => "arguments", _ => null };
        return member is not null && delta.Delta.TryGetProperty(member, out var value) && value.ValueKind == JsonValueKind.String ? member : null;
    }

    /// <summary>A final event with steps waits for all of them to be shown complete; the others go once the shown deltas stop.</summary>
    private bool FinalIsDue()
    {
        var steps = _final switch
        {
            InteractionCompleted c => c.Steps,
            InteractionRequiresAction a => a.Steps,
            _ => default,
        };
        if (steps.ValueKind != JsonValueKind.Array) return true;
        for (var i = 0; i < steps.GetArrayLength(); i++)
        {
            if (!_completed.Contains(i)) return false;
        }
        return true;
    }
}

/// <summary>Shown by <see cref="RequestStreamAssembler"/> when the request started over (<paramref name="Attempt"/>): what was shown before it is void.</summary>
/// <param name="RequestId">The request.</param>
/// <param name="Attempt">The new attempt; its events follow.</param>
public sealed record AttemptSuperseded(Guid RequestId, int Attempt);
