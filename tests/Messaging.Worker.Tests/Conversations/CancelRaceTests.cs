using MassTransit;
using MassTransit.Testing;
using Messaging.Contracts;
using Messaging.Worker.Conversations;
using Messaging.Worker.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Worker.Tests.Conversations;

/// <summary>
/// A cancel that races the stream it cancels, with the saga alone on MassTransit's test harness so the events come in
/// exactly the racy order: the stream has already ended <c>requires_action</c> when the cancel arrives, or the cancel
/// arrives before the saga has seen the conversation at all. Either way the turn ends cancelled, never waiting for
/// results nobody will use.
/// </summary>
public sealed class CancelRaceTests : IAsyncLifetime
{
    private const string Request = """{"model":"gemini-3.5-flash","input":"What is the weather like in Lima?","tools":[{"type":"function","name":"get_current_temperature"}]}""";
    private ServiceProvider? _provider;

    private ITestHarness Harness => _provider!.GetRequiredService<ITestHarness>();

    private ISagaStateMachineTestHarness<ConversationStateMachine, ConversationState> Saga =>
        Harness.GetSagaStateMachineHarness<ConversationStateMachine, ConversationState>();

    public async ValueTask InitializeAsync()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<ConversationOptions>();
        services.AddMassTransitTestHarness(x =>
            x.AddSagaStateMachine<ConversationStateMachine, ConversationState, ConversationStateDefinition>().InMemoryRepository());
        _provider = services.BuildServiceProvider(true);
        Harness.TestTimeout = TimeSpan.FromSeconds(60);
        await Harness.Start();
    }

    [Fact]
    public async Task A_cancel_that_arrives_after_the_stream_ended_requires_action_ends_the_turn_cancelled()
    {
        var conversation = Guid.NewGuid();
        await PublishAndWait(new InteractionRequested { RequestId = conversation, Request = ConversationFixture.Parse(Request) });
        await PublishAndWait(Started(conversation));
        // The replica's stream has ended requires_action: nobody holds it, and the saga has not handled that yet.
        await PublishAndWait(new CancelInteraction { ConversationId = conversation });

        await PublishAndWait(RequiresAction(conversation));

        await AssertCancelledAndIdle(conversation);
    }

    [Fact]
    public async Task A_cancel_that_arrives_before_the_conversation_is_known_still_cancels_its_turn()
    {
        var conversation = Guid.NewGuid();
        await Harness.Bus.Publish(new CancelInteraction { ConversationId = conversation }, TestContext.Current.CancellationToken);
        await Harness.Bus.Publish(new InteractionRequested { RequestId = conversation, Request = ConversationFixture.Parse(Request) },
            TestContext.Current.CancellationToken);
        await Eventually(() => Instance(conversation) is { CancelRequested: true }, "the early cancel applied to the new conversation");

        await PublishAndWait(Started(conversation));
        await PublishAndWait(RequiresAction(conversation));

        await AssertCancelledAndIdle(conversation);
    }

    public async ValueTask DisposeAsync()
    {
        if (_provider is null) return;
        await Harness.Stop();
        await _provider.DisposeAsync();
    }

    private static InteractionStarted Started(Guid conversation) => new()
    {
        RequestId = conversation, ConversationId = conversation, TurnId = conversation, InteractionId = "v1_race", Status = "in_progress",
    };

    private static InteractionRequiresAction RequiresAction(Guid conversation) => new()
    {
        RequestId = conversation, ConversationId = conversation, TurnId = conversation, InteractionId = "v1_race",
        Steps = ConversationFixture.Parse("""[{"type":"function_call","id":"call_1","name":"get_current_temperature","arguments":{"location":"Lima"}}]"""),
        Calls = [new FunctionCall("call_1", "get_current_temperature", ConversationFixture.Parse("""{"location":"Lima"}"""))],
    };

    private async Task AssertCancelledAndIdle(Guid conversation)
    {
        Assert.True(await Harness.Published.Any<InteractionCancelled>(m => m.Context.Message.ConversationId == conversation),
            "no InteractionCancelled for the turn");
        await Eventually(() => Instance(conversation) is { } saga && saga.CurrentState == "Idle" && saga.Awaiting is null, "the conversation idle");
        Assert.False(await Harness.Published.Any<InteractionRequested>(m => m.Context.Message.ConversationId == conversation),
            "the saga continued the cancelled turn");
    }

    /// <summary>Publishes and waits until the saga has handled it (each test publishes one message of a type per conversation).</summary>
    private async Task PublishAndWait<T>(T message) where T : class
    {
        var messageId = NewId.NextGuid();
        await Harness.Bus.Publish(message, context => context.MessageId = messageId, TestContext.Current.CancellationToken);
        Assert.True(await Saga.Consumed.Any<T>(m => m.Context.MessageId == messageId), $"the saga did not consume {typeof(T).Name}");
    }

    private ConversationState? Instance(Guid conversation) => Saga.Sagas.Contains(conversation);

    private static async Task Eventually(Func<bool> condition, string what)
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            if (patience.IsCancellationRequested) Assert.Fail($"never true: {what}");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
