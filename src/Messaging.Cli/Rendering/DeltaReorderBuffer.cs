using Messaging.Contracts;

namespace Messaging.Cli.Rendering;

/// <summary>
/// Releases a stream's deltas in <see cref="StepDelta.Sequence"/> order even when the bus delivers
/// them out of order (concurrent consumers, redeliveries); duplicates are dropped.
/// </summary>
internal sealed class DeltaReorderBuffer
{
    private readonly SortedDictionary<long, StepDelta> _waiting = [];
    private long _next = 1;

    /// <summary>Adds a delta; returns the deltas that are now in order (possibly none).</summary>
    public IReadOnlyList<StepDelta> Add(StepDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        if (delta.Sequence < _next) return [];
        _waiting.TryAdd(delta.Sequence, delta);
        var ready = new List<StepDelta>();
        while (_waiting.Remove(_next, out var head))
        {
            ready.Add(head);
            _next = Math.Max(head.LastSequence, head.Sequence) + 1;
        }
        return ready;
    }

    /// <summary>Deltas still waiting for an earlier one.</summary>
    public int Pending => _waiting.Count;
}
