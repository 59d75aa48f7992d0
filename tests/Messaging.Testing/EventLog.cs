using System.Collections.Concurrent;
using Messaging.Contracts;

namespace Messaging.Testing;

/// <summary>
/// Every message a test bus received, per key (the requestId for <see cref="EventCollector"/>, the conversationId for
/// <see cref="ConversationCollector"/>), in arrival order, with waits that explain themselves when they time out.
/// </summary>
/// <param name="patience">How long a wait lasts before it fails.</param>
/// <param name="keyName">What the key is, for failure messages.</param>
public sealed class EventLog(TimeSpan patience, string keyName = "Request")
{
    private readonly ConcurrentDictionary<Guid, RequestEvents> _byKey = new();

    /// <summary>A log with the request-level patience (60 s).</summary>
    public EventLog() : this(TimeSpan.FromSeconds(60)) { }

    /// <summary>A log keyed by conversationId (90 s: a conversation spans several requests).</summary>
    public static EventLog ByConversation() => new(TimeSpan.FromSeconds(90), "Conversation");

    /// <summary>What else to say when a wait times out (the saga's stored state, errors logged), to explain a failure after the fact.</summary>
    public Func<Guid, Task<string>>? Diagnose { get; set; }

    public RequestEvents For(Guid key) => _byKey.GetOrAdd(key, id => new RequestEvents(id));

    public void Add(Guid key, object message) => For(key).Add(message);

    /// <summary>Waits until the key's messages satisfy <paramref name="condition"/>.</summary>
    public Task<RequestEvents> WaitAsync(Guid key, Func<RequestEvents, bool> condition, string what) =>
        For(key).UntilAsync(condition, patience, async () =>
            $"{keyName} {key}: no {what} within {patience}. {(Diagnose is null ? "" : await Diagnose(key))}");

    /// <summary>Waits for the request's final event (completed, failed, cancelled, rejected, or requires_action with every call).</summary>
    public Task<RequestEvents> FinishedAsync(Guid requestId) => WaitAsync(requestId, e => e.IsFinished, "a final event");

    /// <summary>Waits for the turn's final event: completed, failed, cancelled or rejected, matched by turnId.</summary>
    public Task<RequestEvents> TurnEndedAsync(Guid conversationId, Guid turnId) => WaitAsync(conversationId, e => e.All.Any(m => m switch
    {
        InteractionCompleted c => c.TurnId == turnId,
        InteractionFailed f => f.TurnId == turnId,
        InteractionCancelled c => c.TurnId == turnId,
        InteractionRejected r => r.TurnId == turnId,
        _ => false,
    }), $"end of turn {turnId}");

    /// <summary>Waits until the conversation has received <paramref name="count"/> function-call requests in all.</summary>
    public Task<RequestEvents> CallsAsync(Guid conversationId, int count) =>
        WaitAsync(conversationId, e => e.Of<FunctionCallRequested>().Count >= count, $"{count} FunctionCallRequested");
}

public sealed class RequestEvents(Guid requestId)
{
    private readonly Lock _gate = new();
    private readonly List<object> _messages = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Guid RequestId => requestId;

    public IReadOnlyList<object> All
    {
        get
        {
            lock (_gate) return _messages.ToList();
        }
    }

    public IReadOnlyList<T> Of<T>() => All.OfType<T>().ToList();

    /// <summary>The one message of type <typeparamref name="T"/>; fails saying what arrived when there are none or several.</summary>
    public T Single<T>() => Of<T>() is [var one] ? one
        : throw new InvalidOperationException($"expected one {typeof(T).Name} for {requestId}, got {Of<T>().Count}: {Describe()}");

    public bool IsFinished
    {
        get
        {
            var all = All;
            if (all.Any(m => m is InteractionCompleted or InteractionFailed or InteractionCancelled or InteractionRejected)) return true;
            return all.OfType<InteractionRequiresAction>().FirstOrDefault() is { } action
                   && all.OfType<FunctionCallRequested>().Count() == action.Calls.Count;
        }
    }

    public void Add(object message)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _messages.Add(message);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    /// <summary>Completes with the next message added.</summary>
    public Task NextChange
    {
        get
        {
            lock (_gate) return _changed.Task;
        }
    }

    public string Describe() => string.Join(", ", All.Select(static m => m switch
    {
        // A failure says why: a flaky run is read from its log alone.
        InteractionFailed failed => $"InteractionFailed ({failed.Reason}: {failed.Message})",
        InteractionRejected rejected => $"InteractionRejected ({string.Join("; ", rejected.Errors.Select(static e => $"{e.Field} {e.Message}"))})",
        _ => m.GetType().Name,
    }));

    /// <summary>Waits until <paramref name="condition"/> holds; after <paramref name="patience"/>, fails with what <paramref name="explain"/> says and what arrived.</summary>
    public async Task<RequestEvents> UntilAsync(Func<RequestEvents, bool> condition, TimeSpan patience, Func<Task<string>> explain)
    {
        using var timeout = new CancellationTokenSource(patience);
        while (true)
        {
            // Take the change signal before looking, so an event arriving in between is not missed.
            var changed = NextChange;
            if (condition(this)) return this;
            try
            {
                await changed.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{await explain()} Received: {Describe()}");
            }
        }
    }
}
