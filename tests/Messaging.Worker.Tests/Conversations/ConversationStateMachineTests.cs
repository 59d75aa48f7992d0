using System.Text.Json;
using MassTransit;
using Messaging.Contracts;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Conversations;

/// <summary>
/// The saga's rules one by one, on MassTransit's test harness with a fake clock: deadlines, sweeps, retention, early
/// and stale events, and cancels that name only a turn, a request or an interaction. No broker, no waiting on time.
/// </summary>
public sealed class ConversationStateMachineTests : IAsyncLifetime
{
    private SagaHarness _saga = null!;

    public async ValueTask InitializeAsync() => _saga = await SagaHarness.StartAsync();

    public async ValueTask DisposeAsync() => await _saga.DisposeAsync();

    [Fact]
    public async Task A_round_whose_results_do_not_all_arrive_by_the_deadline_fails_with_timeout()
    {
        var first = await StartAsync();
        await _saga.PublishAndWait(first.RequiresAction("get_current_temperature", "get_local_time"));
        await _saga.PublishAndWait(first.Result("call_1"));

        Assert.Equal(0, await _saga.SweepAsync()); // nothing is due yet
        _saga.Clock.Advance(_saga.Options.FunctionResultTimeout);
        Assert.Equal(1, await _saga.SweepAsync());

        var failed = await _saga.PublishedAsync<InteractionFailed>(f => f.ConversationId == first.ConversationId, "the turn failed");
        Assert.Equal("timeout", failed.Reason);
        Assert.Contains("call_2", failed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("call_1", failed.Message, StringComparison.Ordinal);
        Assert.Equal("Idle", _saga.Instance(first.ConversationId)!.CurrentState);

        await _saga.Harness.Bus.Publish(first.Result("call_2"), TestContext.Current.CancellationToken);
        var late = await _saga.PublishedAsync<FunctionResultRejected>(r => r.CallId == "call_2", "the late result refused");
        Assert.Equal("late", late.Reason);
        Assert.Empty(_saga.Published<InteractionRequested>(r => r.ConversationId == first.ConversationId)); // no continuation
    }

    [Fact]
    public async Task A_conversation_idle_past_its_retention_is_removed_and_a_later_turn_is_rejected_as_unknown()
    {
        var first = await StartAsync();
        await _saga.PublishAndWait(first.Completed());
        Assert.Equal("Idle", _saga.Instance(first.ConversationId)!.CurrentState);

        _saga.Clock.Advance(_saga.Options.Retention - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await _saga.SweepAsync());
        _saga.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await _saga.SweepAsync());
        Assert.Null(await _saga.StoredAsync(first.ConversationId));

        // Without a model, a turn for a conversation not known waits StartGrace for the conversation's first request.
        var turn = Guid.NewGuid();
        await _saga.PublishAndWait(new ConversationTurnRequested { RequestId = turn, ConversationId = first.ConversationId, Input = JsonSerializer.SerializeToElement("Still there?") });
        Assert.Equal("Pending", (await _saga.StoredAsync(first.ConversationId))!.CurrentState);
        _saga.Clock.Advance(_saga.Options.StartGrace);
        Assert.Equal(1, await _saga.SweepAsync());

        var rejected = await _saga.PublishedAsync<InteractionRejected>(r => r.RequestId == turn, "the turn rejected");
        Assert.Equal("conversationId", Assert.Single(rejected.Errors).Field);
        Assert.Null(await _saga.StoredAsync(first.ConversationId));
    }

    [Fact]
    public async Task An_event_of_a_request_never_seen_is_retried_then_ignored_once_old_enough_on_the_sagas_clock()
    {
        var first = await StartAsync();
        var stray = first with { RequestId = Guid.NewGuid(), InteractionId = "v1_stray" };
        var messageId = NewId.NextGuid();
        await _saga.Harness.Bus.Publish(stray.Started(), c => c.MessageId = messageId, TestContext.Current.CancellationToken);

        // Each retry looks at the saga's clock: once it has moved past EarlyEventPatience, the event is stale.
        using var ticking = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var ticker = Task.Run(async () =>
        {
            while (!ticking.IsCancellationRequested)
            {
                _saga.Clock.Advance(TimeSpan.FromSeconds(1));
                await Task.Delay(20, CancellationToken.None);
            }
        }, CancellationToken.None);
        await SagaHarness.Eventually(() => _saga.Consumed(messageId) || _saga.Published<Fault<InteractionStarted>>(_ => true).Count > 0, "the stray event handled");
        await ticking.CancelAsync();
        await ticker;

        Assert.True(_saga.Consumed(messageId), $"the stray event was not handled: {_saga.Problems()}");
        Assert.Equal(first.InteractionId, _saga.Instance(first.ConversationId)!.InteractionId);
    }

    [Fact]
    public async Task An_event_that_overtakes_its_request_is_applied_once_the_request_arrives()
    {
        var conversation = Guid.NewGuid();
        var events = new WorkerEvents(conversation, conversation, conversation, "v1_overtaking");
        await _saga.Harness.Bus.Publish(events.Started(), TestContext.Current.CancellationToken);
        await _saga.Harness.Bus.Publish(new InteractionRequested { RequestId = conversation, Request = SagaHarness.Parse(WorkerEvents.ToolRequest) },
            TestContext.Current.CancellationToken);

        await SagaHarness.Eventually(() => _saga.Instance(conversation)?.InteractionId == "v1_overtaking", "the early InteractionStarted applied");
    }

    [Theory]
    [InlineData("interaction")]
    [InlineData("request")]
    [InlineData("turn")]
    public async Task A_cancel_naming_only_one_id_ends_a_later_turn_that_waits_for_results(string named)
    {
        var first = await StartAsync();
        await _saga.PublishAndWait(first.Completed());
        var turn = Guid.NewGuid();
        await _saga.PublishAndWait(new ConversationTurnRequested { RequestId = turn, ConversationId = first.ConversationId, Input = JsonSerializer.SerializeToElement("And in Cusco?") });
        var second = new WorkerEvents(first.ConversationId, turn, turn, "v1_second");
        await _saga.PublishAndWait(second.Started());
        await _saga.PublishAndWait(second.RequiresAction("get_current_temperature"));
        Assert.Equal("AwaitingFunctionResults", _saga.Instance(first.ConversationId)!.CurrentState);

        await _saga.Harness.Bus.Publish(named switch
        {
            "interaction" => new CancelInteraction { InteractionId = second.InteractionId },
            "request" => new CancelInteraction { RequestId = turn },
            _ => new CancelInteraction { TurnId = turn },
        }, TestContext.Current.CancellationToken);

        var cancelled = await _saga.PublishedAsync<InteractionCancelled>(c => c.TurnId == turn, "the turn cancelled");
        Assert.Equal(second.InteractionId, cancelled.InteractionId);
        await SagaHarness.Eventually(() => _saga.Instance(first.ConversationId)!.CurrentState == "Idle", "the conversation idle");
    }

    [Fact]
    public async Task A_cancel_naming_only_a_waiting_turn_cancels_that_turn_and_leaves_the_running_one()
    {
        var first = await StartAsync();
        var waiting = Guid.NewGuid();
        await _saga.PublishAndWait(new ConversationTurnRequested { RequestId = waiting, ConversationId = first.ConversationId, Input = JsonSerializer.SerializeToElement("Then?") });
        Assert.Single(_saga.Instance(first.ConversationId)!.QueuedTurns);

        await _saga.Harness.Bus.Publish(new CancelInteraction { TurnId = waiting }, TestContext.Current.CancellationToken);

        await _saga.PublishedAsync<InteractionCancelled>(c => c.TurnId == waiting, "the waiting turn cancelled");
        await SagaHarness.Eventually(() => _saga.Instance(first.ConversationId)!.QueuedTurns.Count == 0, "the queue empty");
        Assert.Equal("Streaming", _saga.Instance(first.ConversationId)!.CurrentState);
        Assert.False(_saga.Instance(first.ConversationId)!.CancelRequested);

        // When the running turn ends, nothing else starts.
        await _saga.PublishAndWait(first.Completed());
        Assert.Empty(_saga.Published<InteractionRequested>(r => r.ConversationId == first.ConversationId));
    }

    [Fact]
    public async Task A_turn_requested_while_one_runs_starts_when_that_one_ends()
    {
        var first = await StartAsync();
        var next = Guid.NewGuid();
        await _saga.PublishAndWait(new ConversationTurnRequested { RequestId = next, ConversationId = first.ConversationId, Input = JsonSerializer.SerializeToElement("Then?") });
        Assert.Empty(_saga.Published<InteractionRequested>(r => r.RequestId == next));

        await _saga.PublishAndWait(first.Completed());

        var request = await _saga.PublishedAsync<InteractionRequested>(r => r.RequestId == next, "the waiting turn started");
        Assert.Equal(first.InteractionId, request.Request.GetProperty("previous_interaction_id").GetString());
        Assert.Equal("Streaming", _saga.Instance(first.ConversationId)!.CurrentState);
    }

    /// <summary>A direct publisher's conversation whose first interaction has started (state Streaming).</summary>
    private async Task<WorkerEvents> StartAsync()
    {
        var conversation = Guid.NewGuid();
        var events = new WorkerEvents(conversation, conversation, conversation, "v1_first");
        await _saga.PublishAndWait(new InteractionRequested { RequestId = conversation, Request = SagaHarness.Parse(WorkerEvents.ToolRequest) });
        await _saga.PublishAndWait(events.Started());
        return events;
    }
}
