using System.Collections.Concurrent;
using MassTransit;
using Messaging.Contracts;

namespace Messaging.Worker.Tests.Support;

/// <summary>Every event the test bus received, per requestId, in arrival order.</summary>
public sealed class BusEvents
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly ConcurrentDictionary<Guid, RequestEvents> _byRequest = new();

    public RequestEvents For(Guid requestId) => _byRequest.GetOrAdd(requestId, id => new RequestEvents(id));

    public void Add(Guid requestId, object message) => For(requestId).Add(message);

    /// <summary>Waits for the request's final event (completed, failed, cancelled, rejected, or requires_action with every call).</summary>
    public Task<RequestEvents> FinishedAsync(Guid requestId) => WaitAsync(requestId, e => e.IsFinished, "a final event");

    public Task<RequestEvents> WaitAsync(Guid requestId, Func<RequestEvents, bool> condition, string what) =>
        For(requestId).UntilAsync(condition, Patience, () => Task.FromResult($"Request {requestId}: no {what} within {Patience}."));
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

    public T Single<T>() => Assert.Single(Of<T>());

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

    public string Describe() => string.Join(", ", All.Select(m => m.GetType().Name));

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

/// <summary>
/// A downstream service's view: one consumer for every event type on one queue, run one message at a time,
/// so the order seen here is the order the broker holds.
/// </summary>
public sealed class EventCollector(BusEvents events) :
    IConsumer<InteractionStarted>, IConsumer<StepStarted>, IConsumer<StepDelta>, IConsumer<StepCompleted>,
    IConsumer<InteractionStatusChanged>, IConsumer<InteractionCompleted>, IConsumer<InteractionRequiresAction>,
    IConsumer<FunctionCallRequested>, IConsumer<InteractionFailed>, IConsumer<InteractionCancelled>,
    IConsumer<InteractionRejected>, IConsumer<Fault<InteractionRequested>>
{
    public Task Consume(ConsumeContext<InteractionStarted> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<StepStarted> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<StepDelta> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<StepCompleted> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<InteractionStatusChanged> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<InteractionCompleted> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<InteractionRequiresAction> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<FunctionCallRequested> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<InteractionFailed> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<InteractionCancelled> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<InteractionRejected> context) => Add(context.Message.RequestId, context.Message);
    public Task Consume(ConsumeContext<Fault<InteractionRequested>> context) => Add(context.Message.Message.RequestId, context.Message);

    private Task Add(Guid requestId, object message)
    {
        events.Add(requestId, message);
        return Task.CompletedTask;
    }
}
