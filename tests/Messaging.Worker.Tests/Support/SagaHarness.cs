using System.Text.Json;
using MassTransit;
using MassTransit.Testing;
using Messaging.Contracts;
using Messaging.Worker.Cancels;
using Messaging.Worker.Conversations;
using Messaging.Sagas;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Messaging.Worker.Tests.Support;

/// <summary>
/// The conversation saga alone on MassTransit's test harness (in-memory bus and store), with its cancel router and
/// a <see cref="FakeTimeProvider"/> for its clock: the test plays the worker and the executors, publishing their
/// events in exactly the order a rule needs, and moves time by hand. The fake clock starts in the year 2000, far from
/// the wall clock MassTransit stamps messages with, so a saga that read two clocks would show it here.
/// </summary>
internal sealed class SagaHarness : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private readonly BusRecord _record = new();

    private SagaHarness(ServiceProvider provider, FakeTimeProvider clock)
    {
        _provider = provider;
        Clock = clock;
    }

    public FakeTimeProvider Clock { get; }

    public ConversationOptions Options => _provider.GetRequiredService<IOptions<ConversationOptions>>().Value;

    public ITestHarness Harness => _provider.GetRequiredService<ITestHarness>();

    public ISagaStateMachineTestHarness<ConversationStateMachine, ConversationState> Saga =>
        Harness.GetSagaStateMachineHarness<ConversationStateMachine, ConversationState>();

    public static async Task<SagaHarness> StartAsync(Action<ConversationOptions>? configure = null)
    {
        var clock = new FakeTimeProvider();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(clock);
        services.AddOptions<ConversationOptions>().Configure(o => configure?.Invoke(o));
        services.AddOptions<Messaging.Worker.Tenants.TenantOptions>();
        services.AddOptions<Messaging.Client.BusOptions>();
        services.AddSingleton<Messaging.Worker.Tenants.TenantResolver>();
        services.AddMassTransitTestHarness(x =>
        {
            x.AddSagaStateMachine<ConversationStateMachine, ConversationState, ConversationStateDefinition>().InMemoryDueRepository();
            x.AddConsumer<ConversationCancelRouter, ConversationCancelRouterDefinition>();
        });
        var provider = services.BuildServiceProvider(true);
        var harness = new SagaHarness(provider, clock);
        harness.Harness.TestTimeout = TimeSpan.FromSeconds(30);
        harness.Harness.TestInactivityTimeout = TimeSpan.FromSeconds(2);
        await harness.Harness.Start();
        harness.Harness.Bus.ConnectConsumeObserver(harness._record);
        harness.Harness.Bus.ConnectPublishObserver(harness._record);
        return harness;
    }

    /// <summary>Publishes and waits until the saga has handled it (the bus's record: the saga harness keeps one per message type).</summary>
    public async Task PublishAndWait<T>(T message) where T : class
    {
        var messageId = NewId.NextGuid();
        await Harness.Bus.Publish(message, context => context.MessageId = messageId, TestContext.Current.CancellationToken);
        await Eventually(() => _record.Consumed(messageId), () => $"the saga consumed {typeof(T).Name} ({Problems()})");
    }

    /// <summary>
    /// Runs <paramref name="wait"/> while the fake clock moves a second every 20 ms: for rules measured on the saga's
    /// clock across real-time retries (an event is early until it is old enough).
    /// </summary>
    public async Task WhileTheClockRunsAsync(Func<Task> wait)
    {
        ArgumentNullException.ThrowIfNull(wait);
        using var ticking = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var ticker = Task.Run(async () =>
        {
            while (!ticking.IsCancellationRequested)
            {
                Clock.Advance(TimeSpan.FromSeconds(1));
                await Task.Delay(20, CancellationToken.None);
            }
        }, CancellationToken.None);
        try
        {
            await wait();
        }
        finally
        {
            await ticking.CancelAsync();
            await ticker;
        }
    }

    /// <summary>What the saga's sweeper does on its interval: sends <see cref="ConversationDue"/> to every conversation due now.</summary>
    public async Task<int> SweepAsync()
    {
        var sweeper = new ConversationSweeper(_provider.GetRequiredService<IDueSagaFinder<ConversationState>>(), new ConversationStore(InMemory: true, SharedBroker: false),
            Harness.Bus, _provider.GetRequiredService<IOptions<ConversationOptions>>(), Clock, NullLogger<ConversationSweeper>.Instance);
        var before = _record.ConsumedCount<ConversationDue>();
        var due = await sweeper.SweepAsync(TestContext.Current.CancellationToken);
        await Eventually(() => _record.ConsumedCount<ConversationDue>() >= before + due, $"the saga handled {due} ConversationDue");
        return due;
    }

    /// <summary>Faults and failed attempts so far, for a failure's message.</summary>
    public string Problems() =>
        "faults: " + string.Join(" | ", _record.Published<Fault>().Select(f =>
            string.Join("; ", f.Exceptions.Select(e => e.ExceptionType + ": " + e.Message + (e.InnerException is { } inner ? " <- " + inner.Message : "")))));

    public ConversationState? Instance(Guid conversationId) => Saga.Sagas.Contains(conversationId);

    /// <summary>The conversation as the store holds it now (null once removed).</summary>
    public async Task<ConversationState?> StoredAsync(Guid conversationId) =>
        await _provider.GetRequiredService<ILoadSagaRepository<ConversationState>>().Load(conversationId);

    /// <summary>What has been published so far of <typeparamref name="T"/> that matches.</summary>
    public IReadOnlyList<T> Published<T>(Func<T, bool> match) where T : class => _record.Published<T>().Where(match).ToList();

    /// <summary>True once the saga has handled the message (successfully).</summary>
    public bool Consumed(Guid messageId) => _record.Consumed(messageId);

    public async Task<T> PublishedAsync<T>(Func<T, bool> match, string what) where T : class
    {
        await Eventually(() => Published(match).Count > 0, () => $"{what} ({Problems()})");
        return Published(match)[0];
    }

    public static Task Eventually(Func<bool> condition, string what) => Eventually(condition, () => what);

    public static async Task Eventually(Func<bool> condition, Func<string> what)
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            if (patience.IsCancellationRequested) Assert.Fail($"never true: {what()}");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    public static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();

    public async ValueTask DisposeAsync()
    {
        await Harness.Stop();
        await _provider.DisposeAsync();
    }
}

/// <summary>The worker's events for one request, as a test publishes them in the worker's place.</summary>
public sealed record WorkerEvents(Guid ConversationId, Guid RequestId, Guid TurnId, string InteractionId)
{
    public const string ToolRequest = """{"model":"gemini-3.5-flash","input":"What is the weather like in Lima?","tools":[{"type":"function","name":"get_current_temperature"},{"type":"function","name":"get_local_time"}]}""";

    public InteractionStarted Started() => new()
    {
        RequestId = RequestId, ConversationId = ConversationId, TurnId = TurnId, InteractionId = InteractionId, Status = "in_progress",
    };

    /// <summary>The interaction ends asking for one call per name, with ids <c>call_1</c>, <c>call_2</c>, ….</summary>
    public InteractionRequiresAction RequiresAction(params string[] functions) => new()
    {
        RequestId = RequestId, ConversationId = ConversationId, TurnId = TurnId, InteractionId = InteractionId,
        Steps = SagaHarness.Parse("[" + string.Join(",", functions.Select((f, i) => $$$"""{"type":"function_call","id":"call_{{{i + 1}}}","name":"{{{f}}}","arguments":{"location":"Lima"}}""")) + "]"),
        Calls = functions.Select((f, i) => new FunctionCall($"call_{i + 1}", f, SagaHarness.Parse("""{"location":"Lima"}"""))).ToList(),
    };

    public InteractionCompleted Completed() => new()
    {
        RequestId = RequestId, ConversationId = ConversationId, TurnId = TurnId, InteractionId = InteractionId, Status = "completed",
        Steps = SagaHarness.Parse("""[{"type":"model_output","content":[{"type":"text","text":"Sunny."}]}]"""),
    };

    public FunctionResultSubmitted Result(string callId) => new()
    {
        ConversationId = ConversationId, InteractionId = InteractionId, CallId = callId, Result = SagaHarness.Parse("""{"ok":true}"""),
    };
}

/// <summary>
/// What the harness bus consumed and published, recorded as it happens. The harness's own lists answer "any?" by
/// waiting for the bus to go quiet once; after that they answer at once, which would race a test's next step.
/// </summary>
internal sealed class BusRecord : IConsumeObserver, IPublishObserver
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, Type> _consumed = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<object> _published = new();

    public bool Consumed(Guid messageId) => _consumed.ContainsKey(messageId);

    public int ConsumedCount<T>() => _consumed.Values.Count(t => t == typeof(T));

    public IEnumerable<T> Published<T>() where T : class => _published.OfType<T>();

    public Task PreConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

    public Task PostConsume<T>(ConsumeContext<T> context) where T : class
    {
        if (context.MessageId is { } id) _consumed.TryAdd(id, typeof(T));
        return Task.CompletedTask;
    }

    public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class => Task.CompletedTask;

    public Task PrePublish<T>(PublishContext<T> context) where T : class => Task.CompletedTask;

    public Task PostPublish<T>(PublishContext<T> context) where T : class
    {
        _published.Enqueue(context.Message);
        return Task.CompletedTask;
    }

    public Task PublishFault<T>(PublishContext<T> context, Exception exception) where T : class => Task.CompletedTask;
}
