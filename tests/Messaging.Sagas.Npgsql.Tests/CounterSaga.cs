using MassTransit;
using Messaging.Sagas;

namespace Messaging.Sagas.Npgsql.Tests;

/// <summary>The test saga's state: a counter, raw API JSON that must survive byte for byte, and a due time.</summary>
public sealed class CounterState : SagaStateMachineInstance, IDueSaga
{
    public Guid CorrelationId { get; set; }
    public int Version { get; set; }
    public string CurrentState { get; set; } = "";
    public int Count { get; set; }
    public string? Payload { get; set; }
    public DateTime? DueAt { get; set; }
}

public sealed record IncrementCounter(Guid CounterId, DateTime? DueAt = null, string? Payload = null);

public sealed record FinishCounter(Guid CounterId);

/// <summary>Published after each increment with the count it produced: a retried message must not publish twice.</summary>
public sealed record CounterIncremented(Guid CounterId, int Count);

public sealed class CounterStateMachine : MassTransitStateMachine<CounterState>
{
    public CounterStateMachine()
    {
        InstanceState(x => x.CurrentState);
        Event(() => Incremented, x => x.CorrelateById(m => m.Message.CounterId));
        Event(() => Finished, x => x.CorrelateById(m => m.Message.CounterId));

        Initially(
            When(Incremented).Then(Apply).Publish(c => new CounterIncremented(c.Saga.CorrelationId, c.Saga.Count)).TransitionTo(Counting));
        During(Counting,
            When(Incremented).Then(Apply).Publish(c => new CounterIncremented(c.Saga.CorrelationId, c.Saga.Count)),
            When(Finished).Finalize());

        SetCompletedWhenFinalized();
    }

    public State Counting { get; private set; } = null!;
    public Event<IncrementCounter> Incremented { get; private set; } = null!;
    public Event<FinishCounter> Finished { get; private set; } = null!;

    private static void Apply(BehaviorContext<CounterState, IncrementCounter> context)
    {
        context.Saga.Count++;
        if (context.Message.DueAt is { } due) context.Saga.DueAt = due;
        if (context.Message.Payload is { } payload) context.Saga.Payload = payload;
    }
}

/// <summary>Counts the write conflicts the retry absorbed, so a test can show it really raced.</summary>
public sealed class ConflictCounter
{
    private int _count;
    public int Count => Volatile.Read(ref _count);
    public bool Record() { Interlocked.Increment(ref _count); return true; }
}

/// <summary>
/// The endpoint policy the Npgsql repository needs: retry on <see cref="ConcurrencyException"/>, and an in-memory
/// outbox so that what an attempt published is sent only when its write succeeded. Several messages at once, so
/// writes race.
/// </summary>
public sealed class CounterStateDefinition : SagaDefinition<CounterState>
{
    private readonly ConflictCounter _conflicts;

    public CounterStateDefinition(ConflictCounter conflicts)
    {
        _conflicts = conflicts;
        ConcurrentMessageLimit = 16;
    }

    protected override void ConfigureSaga(IReceiveEndpointConfigurator endpointConfigurator, ISagaConfigurator<CounterState> sagaConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(r =>
        {
            r.Handle<ConcurrencyException>(_ => _conflicts.Record());
            r.Exponential(100, TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(5));
        });
        endpointConfigurator.UseInMemoryOutbox(context);
    }
}
