using System.Text.Json;
using MassTransit;
using Messaging.Contracts;
using Messaging.Worker.Conversations;
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
        await _saga.WhileTheClockRunsAsync(() =>
            SagaHarness.Eventually(() => _saga.Consumed(messageId) || _saga.Published<Fault<InteractionStarted>>(_ => true).Count > 0, "the stray event handled"));

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

    [Fact]
    public async Task Results_that_come_before_their_round_are_used_when_it_opens_and_a_call_never_asked_for_is_refused()
    {
        var first = await StartAsync();
        await _saga.PublishAndWait(first.Result("call_1"));
        await _saga.PublishAndWait(first.Result("call_9"));
        Assert.Equal(2, _saga.Instance(first.ConversationId)!.EarlyResults.Count);

        await _saga.PublishAndWait(first.RequiresAction("get_current_temperature"));

        var refused = await _saga.PublishedAsync<FunctionResultRejected>(r => r.CallId == "call_9", "the unknown call refused");
        Assert.Equal("unknown_call", refused.Reason);
        var continuation = await _saga.PublishedAsync<InteractionRequested>(r => r.ConversationId == first.ConversationId, "the continuation");
        Assert.Contains("call_1", continuation.Request.GetProperty("input").GetRawText(), StringComparison.Ordinal);
        Assert.Equal(first.InteractionId, continuation.Request.GetProperty("previous_interaction_id").GetString());
        Assert.Equal("Streaming", _saga.Instance(first.ConversationId)!.CurrentState);
    }

    [Fact]
    public async Task A_duplicate_result_is_ignored_and_a_result_for_a_call_the_round_lacks_is_refused()
    {
        var first = await StartAsync();
        await _saga.PublishAndWait(first.RequiresAction("get_current_temperature", "get_local_time"));

        await _saga.PublishAndWait(first.Result("call_1"));
        await _saga.PublishAndWait(first.Result("call_1"));
        await _saga.PublishAndWait(first.Result("call_7"));

        var refused = Assert.Single(_saga.Published<FunctionResultRejected>(r => r.ConversationId == first.ConversationId));
        Assert.Equal(("call_7", "unknown_call"), (refused.CallId, refused.Reason));
        Assert.Equal("AwaitingFunctionResults", _saga.Instance(first.ConversationId)!.CurrentState);
        Assert.Empty(_saga.Published<InteractionRequested>(r => r.ConversationId == first.ConversationId));
    }

    [Fact]
    public async Task A_turn_past_the_round_limit_fails_and_results_already_in_are_refused()
    {
        _saga = await Restart(o => o.MaxFunctionRounds = 1);
        var first = await StartAsync();
        await _saga.PublishAndWait(first.RequiresAction("get_current_temperature"));
        await _saga.PublishAndWait(first.Result("call_1"));
        var continuation = await _saga.PublishedAsync<InteractionRequested>(r => r.ConversationId == first.ConversationId, "the continuation");
        var second = first with { RequestId = continuation.RequestId, InteractionId = "v1_second" };
        await _saga.PublishAndWait(second.Started());
        await _saga.PublishAndWait(second.Result("call_1")); // early: its round has not arrived yet

        await _saga.PublishAndWait(second.RequiresAction("get_current_temperature"));

        var failed = await _saga.PublishedAsync<InteractionFailed>(f => f.ConversationId == first.ConversationId, "the turn failed");
        Assert.Equal("round_limit", failed.Reason);
        Assert.Equal(first.TurnId, failed.TurnId);
        Assert.Equal("late", Assert.Single(_saga.Published<FunctionResultRejected>(r => r.InteractionId == "v1_second")).Reason);
        Assert.Equal("Idle", _saga.Instance(first.ConversationId)!.CurrentState);
    }

    [Fact]
    public async Task An_action_that_is_not_a_function_call_fails_the_turn_as_unsupported()
    {
        var first = await StartAsync();

        await _saga.PublishAndWait(first.RequiresAction());

        var failed = await _saga.PublishedAsync<InteractionFailed>(f => f.ConversationId == first.ConversationId, "the turn failed");
        Assert.Equal("unsupported_action", failed.Reason);
        Assert.Equal("Idle", _saga.Instance(first.ConversationId)!.CurrentState);
    }

    [Fact]
    public async Task Turns_past_the_queue_limit_are_rejected_and_a_switch_to_stateless_is_refused()
    {
        _saga = await Restart(o => o.MaxQueuedTurns = 1);
        var first = await StartAsync();
        var (queued, overflow, stateless) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());

        await _saga.PublishAndWait(Turn(first.ConversationId, queued));
        await _saga.PublishAndWait(Turn(first.ConversationId, overflow));
        await _saga.PublishAndWait(first.Completed()); // the queued turn starts
        await _saga.PublishAndWait(Turn(first.ConversationId, stateless, """{"store":false}"""));

        Assert.Equal("conversationId", Assert.Single((await _saga.PublishedAsync<InteractionRejected>(r => r.RequestId == overflow, "overflow rejected")).Errors).Field);
        Assert.Equal("request.store", Assert.Single((await _saga.PublishedAsync<InteractionRejected>(r => r.RequestId == stateless, "switch rejected")).Errors).Field);
        Assert.Single(_saga.Published<InteractionRequested>(r => r.RequestId == queued));
        Assert.Empty(_saga.Published<InteractionRequested>(r => r.RequestId == overflow || r.RequestId == stateless));
    }

    [Fact]
    public async Task A_result_for_a_conversation_never_seen_is_refused_once_it_is_old_enough()
    {
        var stranger = new WorkerEvents(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), "v1_nobody");
        await _saga.Harness.Bus.Publish(stranger.Result("call_1"), TestContext.Current.CancellationToken);

        await _saga.WhileTheClockRunsAsync(() =>
            _saga.PublishedAsync<FunctionResultRejected>(r => r.ConversationId == stranger.ConversationId, "the result refused"));

        Assert.Equal("unknown_conversation", Assert.Single(_saga.Published<FunctionResultRejected>(r => r.ConversationId == stranger.ConversationId)).Reason);
    }

    [Fact]
    public async Task A_conversation_whose_turn_runs_past_its_retention_fails_the_turn_and_every_waiting_one()
    {
        var first = await StartAsync();
        var waiting = Guid.NewGuid();
        await _saga.PublishAndWait(Turn(first.ConversationId, waiting));

        _saga.Clock.Advance(_saga.Options.Retention);
        Assert.Equal(1, await _saga.SweepAsync());

        Assert.Equal("expired", (await _saga.PublishedAsync<InteractionFailed>(f => f.TurnId == first.TurnId, "the running turn failed")).Reason);
        Assert.Equal("expired", (await _saga.PublishedAsync<InteractionFailed>(f => f.TurnId == waiting, "the waiting turn failed")).Reason);
        Assert.Null(await _saga.StoredAsync(first.ConversationId));
        Assert.Empty(_saga.Published<InteractionRequested>(r => r.RequestId == waiting)); // it never started
    }

    [Fact]
    public async Task A_rejected_first_turn_leaves_no_conversation_behind_once_its_grace_has_passed()
    {
        var conversation = Guid.NewGuid();
        var turn = Guid.NewGuid();
        await _saga.PublishAndWait(new ConversationTurnRequested
        {
            RequestId = turn, ConversationId = conversation, Request = SagaHarness.Parse("""{"model":"gemini-3.5-flash"}"""), // no input
        });

        Assert.Equal("input", Assert.Single((await _saga.PublishedAsync<InteractionRejected>(r => r.RequestId == turn, "the turn rejected")).Errors).Field);
        _saga.Clock.Advance(_saga.Options.Retention);
        Assert.Equal(1, await _saga.SweepAsync());
        Assert.Null(await _saga.StoredAsync(conversation));
        Assert.Equal(0, await _saga.SweepAsync()); // not due again, sweep after sweep
    }

    private async Task<SagaHarness> Restart(Action<ConversationOptions> configure)
    {
        await _saga.DisposeAsync();
        return await SagaHarness.StartAsync(configure);
    }

    private static ConversationTurnRequested Turn(Guid conversationId, Guid turnId, string? overrides = null) => new()
    {
        RequestId = turnId, ConversationId = conversationId, Input = JsonSerializer.SerializeToElement("And then?"),
        Request = overrides is null ? default : SagaHarness.Parse(overrides),
    };

    /// <summary>A direct publisher's conversation whose first interaction has started (state Streaming).</summary>
    [Fact]
    public async Task A_turn_that_came_before_its_conversation_is_checked_again_when_it_starts_and_rejected_if_it_no_longer_fits()
    {
        // The turn overtakes the conversation's first request (the saga's queue lagged): it asks for store: false, and
        // no conversation says otherwise yet, so it waits.
        var conversation = Guid.NewGuid();
        var turn = Guid.NewGuid();
        await _saga.PublishAndWait(new ConversationTurnRequested
        {
            RequestId = turn, ConversationId = conversation, Input = JsonSerializer.SerializeToElement("And now?"), Request = SagaHarness.Parse("""{"store":false}"""),
        });
        Assert.Equal("Pending", (await _saga.StoredAsync(conversation))!.CurrentState);

        // The first request comes: a stored conversation. When its turn ends, the waiting turn no longer fits.
        var events = new WorkerEvents(conversation, conversation, conversation, "v1_first");
        await _saga.PublishAndWait(new InteractionRequested { RequestId = conversation, Request = SagaHarness.Parse(WorkerEvents.ToolRequest) });
        await _saga.PublishAndWait(events.Started());
        await _saga.PublishAndWait(events.Completed());

        var rejected = await _saga.PublishedAsync<InteractionRejected>(r => r.RequestId == turn, "the waiting turn rejected");
        Assert.Equal("request.store", Assert.Single(rejected.Errors).Field);
        Assert.Empty(_saga.Published<InteractionRequested>(r => r.RequestId == turn));
        Assert.Equal("Idle", (await _saga.StoredAsync(conversation))!.CurrentState);
    }

    [Fact]
    public async Task A_conversation_started_by_a_turn_keeps_that_turns_model_and_settings_for_the_next_turns()
    {
        var conversation = Guid.NewGuid();
        var first = Guid.NewGuid();
        await _saga.PublishAndWait(new ConversationTurnRequested
        {
            RequestId = first, ConversationId = conversation, Input = JsonSerializer.SerializeToElement("I have 3 cats."),
            Request = SagaHarness.Parse("""{"model":"gemini-3.5-flash","generation_config":{"temperature":0.2}}"""),
        });
        var events = new WorkerEvents(conversation, first, first, "v1_first");
        await _saga.PublishAndWait(events.Started());
        await _saga.PublishAndWait(events.Completed());

        var second = Guid.NewGuid();
        await _saga.PublishAndWait(new ConversationTurnRequested { RequestId = second, ConversationId = conversation, Input = JsonSerializer.SerializeToElement("How many paws?") });

        var request = await _saga.PublishedAsync<InteractionRequested>(r => r.RequestId == second, "the second turn's request");
        Assert.Equal("gemini-3.5-flash", request.Request.GetProperty("model").GetString());
        Assert.Equal(0.2, request.Request.GetProperty("generation_config").GetProperty("temperature").GetDouble());
        Assert.Equal("v1_first", request.Request.GetProperty("previous_interaction_id").GetString());
    }

    private async Task<WorkerEvents> StartAsync()
    {
        var conversation = Guid.NewGuid();
        var events = new WorkerEvents(conversation, conversation, conversation, "v1_first");
        await _saga.PublishAndWait(new InteractionRequested { RequestId = conversation, Request = SagaHarness.Parse(WorkerEvents.ToolRequest) });
        await _saga.PublishAndWait(events.Started());
        return events;
    }
}
