using Messaging.Contracts;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Conversations;

/// <summary>
/// A cancel that races the stream it cancels, with the saga alone on MassTransit's test harness so the events come in
/// exactly the racy order: the stream has already ended <c>requires_action</c> when the cancel arrives, or the cancel
/// arrives before the saga has seen the conversation at all. Either way the turn ends cancelled, never waiting for
/// results nobody will use.
/// </summary>
public sealed class CancelRaceTests : IAsyncLifetime
{
    private SagaHarness _saga = null!;

    public async ValueTask InitializeAsync() => _saga = await SagaHarness.StartAsync();

    public async ValueTask DisposeAsync() => await _saga.DisposeAsync();

    [Fact]
    public async Task A_cancel_that_arrives_after_the_stream_ended_requires_action_ends_the_turn_cancelled()
    {
        var conversation = Guid.NewGuid();
        var events = new WorkerEvents(conversation, conversation, conversation, "v1_race");
        await _saga.PublishAndWait(new InteractionRequested { RequestId = conversation, Request = SagaHarness.Parse(WorkerEvents.ToolRequest) });
        await _saga.PublishAndWait(events.Started());
        // The replica's stream has ended requires_action: nobody holds it, and the saga has not handled that yet.
        await _saga.PublishAndWait(new CancelInteraction { ConversationId = conversation });

        await _saga.PublishAndWait(events.RequiresAction("get_current_temperature"));

        await AssertCancelledAndIdle(conversation);
    }

    [Fact]
    public async Task A_cancel_that_arrives_before_the_conversation_is_known_still_cancels_its_turn()
    {
        var conversation = Guid.NewGuid();
        var events = new WorkerEvents(conversation, conversation, conversation, "v1_race");
        await _saga.Harness.Bus.Publish(new CancelInteraction { ConversationId = conversation }, TestContext.Current.CancellationToken);
        await _saga.Harness.Bus.Publish(new InteractionRequested { RequestId = conversation, Request = SagaHarness.Parse(WorkerEvents.ToolRequest) },
            TestContext.Current.CancellationToken);
        await SagaHarness.Eventually(() => _saga.Instance(conversation) is { CancelRequested: true }, "the early cancel applied to the new conversation");

        await _saga.PublishAndWait(events.Started());
        await _saga.PublishAndWait(events.RequiresAction("get_current_temperature"));

        await AssertCancelledAndIdle(conversation);
    }

    private async Task AssertCancelledAndIdle(Guid conversation)
    {
        await _saga.PublishedAsync<InteractionCancelled>(m => m.ConversationId == conversation, "an InteractionCancelled for the turn");
        await SagaHarness.Eventually(() => _saga.Instance(conversation) is { CurrentState: "Idle", Awaiting: null }, "the conversation idle");
        Assert.Empty(_saga.Published<InteractionRequested>(m => m.ConversationId == conversation)); // the cancelled turn did not continue
    }
}
