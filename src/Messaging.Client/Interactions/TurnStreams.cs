using System.Collections.Concurrent;
using Messaging.Contracts;

namespace Messaging.Client.Interactions;

/// <summary>The turns this instance waits for, by turnId: where the reply queue's consumer hands each event.</summary>
internal sealed class TurnStreams
{
    private readonly ConcurrentDictionary<Guid, TurnStream> _turns = new();
    private readonly ConcurrentDictionary<string, long> _dropped = new();

    /// <summary>Events that reached this instance for no turn it waits for (a turn's events after its end, another instance's).</summary>
    public long Dropped => _dropped.Values.Sum();

    /// <summary><see cref="Dropped"/> by event type.</summary>
    public IReadOnlyDictionary<string, long> DroppedByType => _dropped;

    public TurnStream Open(Guid turnId) => _turns.GetOrAdd(turnId, id => new TurnStream(id));

    public void Close(Guid turnId) => _turns.TryRemove(turnId, out _);

    /// <summary>Hands an event to its turn's stream; one of a turn no one waits for (any more) is dropped.</summary>
    public void Dispatch(object message)
    {
        var (requestId, turnId) = Ids(message);
        if (turnId is { } turn && _turns.TryGetValue(turn, out var stream)) stream.Add(requestId, message);
        else _dropped.AddOrUpdate(message.GetType().Name, 1, (_, n) => n + 1);
    }

    private static (Guid RequestId, Guid? TurnId) Ids(object message) => message switch
    {
        InteractionStarted m => (m.RequestId, m.TurnId),
        StepStarted m => (m.RequestId, m.TurnId),
        StepDelta m => (m.RequestId, m.TurnId),
        StepCompleted m => (m.RequestId, m.TurnId),
        InteractionStatusChanged m => (m.RequestId, m.TurnId),
        InteractionRequiresAction m => (m.RequestId, m.TurnId),
        FunctionCallRequested m => (m.RequestId, m.TurnId),
        InteractionCompleted m => (m.RequestId, m.TurnId),
        InteractionFailed m => (m.RequestId, m.TurnId),
        InteractionCancelled m => (m.RequestId, m.TurnId),
        InteractionRejected m => (m.RequestId, m.TurnId),
        InteractionDeferred m => (m.RequestId, m.TurnId),
        _ => (Guid.Empty, null),
    };
}
