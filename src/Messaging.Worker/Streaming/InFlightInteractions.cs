using System.Collections.Concurrent;
using Messaging.Contracts;

namespace Messaging.Worker.Streaming;

/// <summary>
/// The interactions this replica is running, so a <see cref="CancelInteraction"/> that reaches the replica's
/// control queue finds the stream it names.
/// </summary>
internal sealed class InFlightInteractions
{
    private readonly ConcurrentDictionary<InFlightInteraction, byte> _running = new();
    private long _accepted;

    /// <summary>Requests this replica has started streaming since it started.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Requests being streamed now.</summary>
    public int Count => _running.Count;

    /// <summary>Tracks a request until the returned entry is disposed.</summary>
    public InFlightInteraction Start(Guid requestId, Guid conversationId, Guid turnId, bool background, CancellationToken stopping)
    {
        var entry = new InFlightInteraction(this, requestId, conversationId, turnId, background, stopping);
        _running[entry] = 0;
        Interlocked.Increment(ref _accepted);
        return entry;
    }

    /// <summary>The running requests that <paramref name="command"/> names by any of its ids.</summary>
    public IReadOnlyList<InFlightInteraction> Matching(CancelInteraction command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return _running.Keys.Where(e =>
            (command.RequestId is { } r && r == e.RequestId)
            || (command.TurnId is { } t && t == e.TurnId)
            || (command.ConversationId is { } c && c == e.ConversationId)
            || (!string.IsNullOrEmpty(command.InteractionId) && e.InteractionIds.Contains(command.InteractionId))).ToList();
    }

    internal void Remove(InFlightInteraction entry) => _running.TryRemove(entry, out _);
}

/// <summary>One running request: its ids, the interactions it created, and the switch that cancels it.</summary>
internal sealed class InFlightInteraction : IDisposable
{
    private readonly InFlightInteractions _owner;
    private readonly CancellationTokenSource _cancellation;
    private readonly ConcurrentQueue<string> _interactionIds = new();
    private int _cancelRequested;

    internal InFlightInteraction(InFlightInteractions owner, Guid requestId, Guid conversationId, Guid turnId, bool background, CancellationToken stopping)
    {
        _owner = owner;
        RequestId = requestId;
        ConversationId = conversationId;
        TurnId = turnId;
        IsBackground = background;
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(stopping);
    }

    /// <summary>The request's id.</summary>
    public Guid RequestId { get; }

    /// <summary>The conversation.</summary>
    public Guid ConversationId { get; }

    /// <summary>The turn.</summary>
    public Guid TurnId { get; }

    /// <summary>True when the API runs it in the background: cancelling goes through the API's cancel.</summary>
    public bool IsBackground { get; }

    /// <summary>The API interaction ids created for the request so far (one per continuation hop).</summary>
    public IReadOnlyCollection<string> InteractionIds => _interactionIds;

    /// <summary>The interaction being streamed now, once created.</summary>
    public string? CurrentInteractionId => _interactionIds.LastOrDefault();

    /// <summary>Fires when the request is cancelled or the host stops.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>True once a <see cref="CancelInteraction"/> named this request.</summary>
    public bool CancelRequested => Volatile.Read(ref _cancelRequested) == 1;

    /// <summary>Records a newly created interaction of this request.</summary>
    public void Created(string interactionId) => _interactionIds.Enqueue(interactionId);

    /// <summary>Marks the request cancelled; a foreground stream is also stopped at once.</summary>
    public void RequestCancel()
    {
        Interlocked.Exchange(ref _cancelRequested, 1);
        if (IsBackground) return;
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // It ended while the cancel was on its way: nothing left to stop.
        }
    }
    public void Dispose()
    {
        _owner.Remove(this);
        _cancellation.Dispose();
    }
}
