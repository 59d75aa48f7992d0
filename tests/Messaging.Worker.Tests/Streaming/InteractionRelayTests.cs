using System.Diagnostics.Metrics;
using Messaging.Contracts;
using Messaging.Interactions.Models;
using Messaging.Interactions.Streaming;
using Messaging.Worker.Infrastructure;
using Messaging.Worker.Streaming;
using Messaging.Worker.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Worker.Tests.Streaming;

/// <summary>What a request publishes, from the API's events to the final message, on a recording lane: no broker, no API.</summary>
public sealed class InteractionRelayTests : IDisposable
{
    private static readonly RequestIds Ids = new(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
    private readonly ServiceProvider _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly RecordingLane _lane = new();

    public void Dispose() => _metrics.Dispose();

    [Fact]
    public async Task Step_indexes_and_delta_sequences_continue_across_hops_and_the_completion_sums_them()
    {
        var relay = Relay();
        await RelayAsync(relay, HopEvents.Of("v1_first", "requires_continuation", ["Hello", ", wor"], inputTokens: 3, outputTokens: 4));
        Assert.Equal("requires_continuation", relay.EndHop().Status.Value);
        await RelayAsync(relay, HopEvents.Of("v1_second", "completed", ["ld", "!"], inputTokens: 5, outputTokens: 2, first: false));
        relay.EndHop();
        await relay.PublishAsync(relay.Completed("gemini-3.5-flash"));

        Assert.Single(_lane.Of<InteractionStarted>());
        var deltas = _lane.Of<StepDelta>().ToList();
        Assert.Equal([1L, 2, 3, 4], deltas.Select(d => d.Sequence));
        Assert.Equal([0, 0, 1, 1], deltas.Select(d => d.Index));
        Assert.Equal([0, 1], _lane.Of<StepStarted>().Select(s => s.Index));
        Assert.Equal([0, 1], _lane.Of<StepCompleted>().Select(s => s.Index));
        var completed = Assert.IsType<InteractionCompleted>(_lane.Published[^1].Message);
        Assert.Equal(["v1_first", "v1_second"], completed.ContinuationIds);
        Assert.Equal("Hello, world!", completed.OutputText);
        Assert.Equal(2, completed.Steps.GetArrayLength());
        Assert.Equal(8, completed.Usage.GetProperty("total_input_tokens").GetInt32());
        Assert.Equal(6, completed.Usage.GetProperty("total_output_tokens").GetInt32());
        Assert.All(_lane.Published.Select(p => p.Message), m => AssertIds(m));
    }

    [Fact]
    public async Task Deltas_held_in_a_window_go_out_as_one_message_with_their_range_before_the_next_event()
    {
        var relay = Relay(TimeSpan.FromSeconds(10));
        await RelayAsync(relay, HopEvents.Of("v1_merge", "completed", ["a", "b", "c"]));

        var delta = Assert.Single(_lane.Of<StepDelta>());
        Assert.Equal((1L, 3L, "abc"), (delta.Sequence, delta.LastSequence, delta.Text));
        var order = _lane.Published.Select(p => p.Message.GetType().Name).ToList();
        Assert.True(order.IndexOf(nameof(StepDelta)) < order.IndexOf(nameof(StepCompleted)), string.Join(", ", order));
    }

    [Fact]
    public async Task Transient_deltas_are_handed_over_non_persistent_and_everything_else_persistent()
    {
        var relay = Relay(deliveryMode: DeltaDeliveryMode.Transient);
        await RelayAsync(relay, HopEvents.Of("v1_transient", "completed", ["x", "y"]));

        Assert.All(_lane.Published, p => Assert.Equal(p.Message is not StepDelta, p.Persistent));
    }

    [Fact]
    public async Task A_snapshot_completes_the_steps_the_broken_stream_did_not()
    {
        var relay = Relay();
        await relay.RelayAsync(Event("""{"event_type":"interaction.created","event_id":"e1","interaction":{"id":"v1_snap","status":"in_progress","model":"gemini-3.5-flash"}}"""));
        await relay.RelayAsync(Event("""{"event_type":"step.start","event_id":"e2","index":0,"step":{"type":"thought"}}"""));
        await relay.RelayAsync(new InteractionSnapshotEvent(new Interaction(Messaging.Interactions.Json.InteractionsJson.ParseObject(
            """{"id":"v1_snap","status":"completed","steps":[{"type":"thought"},{"type":"model_output","content":[{"type":"text","text":"Done."}]}]}"""))));

        Assert.Equal([0, 1], _lane.Of<StepStarted>().Select(s => s.Index));
        Assert.Equal([0, 1], _lane.Of<StepCompleted>().Select(s => s.Index));
        Assert.Equal("completed", relay.EndHop().Status.Value);
    }

    [Fact]
    public async Task A_snapshot_sends_the_text_the_deltas_missed_so_the_deltas_add_up_to_the_answer()
    {
        var relay = Relay();
        await relay.RelayAsync(Event("""{"event_type":"interaction.created","event_id":"e1","interaction":{"id":"v1_cut","status":"in_progress"}}"""));
        await relay.RelayAsync(Event("""{"event_type":"step.start","event_id":"e2","index":0,"step":{"type":"thought"}}"""));
        await relay.RelayAsync(Event("""{"event_type":"step.stop","event_id":"e3","index":0}"""));
        await relay.RelayAsync(Event("""{"event_type":"step.start","event_id":"e4","index":1,"step":{"type":"model_output"}}"""));
        await relay.RelayAsync(Event("""{"event_type":"step.delta","event_id":"e5","index":1,"delta":{"type":"text","text":"Hello "}}"""));
        // The stream broke, the resume was refused: the interaction is read whole, with a second output step never streamed.
        await relay.RelayAsync(new InteractionSnapshotEvent(new Interaction(Messaging.Interactions.Json.InteractionsJson.ParseObject(
            """{"id":"v1_cut","status":"completed","steps":[{"type":"thought"},{"type":"model_output","content":[{"type":"text","text":"Hello world."}]},{"type":"model_output","content":[{"type":"text","text":" Bye."}]}]}"""))));
        relay.EndHop();
        await relay.PublishAsync(relay.Completed("gemini-3.5-flash"));

        var deltas = _lane.Of<StepDelta>().ToList();
        Assert.Equal([1L, 2, 3], deltas.Select(d => d.Sequence));
        Assert.Equal([1, 1, 2], deltas.Select(d => d.Index));
        var completed = Assert.Single(_lane.Of<InteractionCompleted>());
        Assert.Equal("Hello world. Bye.", completed.OutputText);
        Assert.Equal(completed.OutputText, string.Concat(deltas.Select(d => d.Text)));
        var order = _lane.Published.Select(p => p.Message).Where(m => m is StepDelta or StepCompleted or StepStarted)
            .Select(m => m switch { StepDelta d => $"d{d.Index}", StepCompleted c => $"c{c.Index}", StepStarted s => $"s{s.Index}", _ => "" });
        Assert.Equal(["s0", "c0", "s1", "d1", "d1", "c1", "s2", "d2", "c2"], order);
        Assert.False(_lane.Of<StepStarted>().Single(s => s.Index == 2).Step.TryGetProperty("content", out _)); // its text follows as a delta
    }

    [Fact]
    public async Task Requires_action_publishes_the_round_then_one_call_request_per_call()
    {
        var relay = Relay();
        await relay.RelayAsync(Event("""{"event_type":"interaction.created","event_id":"e1","interaction":{"id":"v1_calls","status":"in_progress"}}"""));
        await relay.RelayAsync(Event("""{"event_type":"step.start","event_id":"e2","index":0,"step":{"type":"function_call","id":"call_1","name":"get_current_temperature","arguments":{"location":"Lima"}}}"""));
        await relay.RelayAsync(Event("""{"event_type":"step.stop","event_id":"e3","index":0}"""));
        await relay.RelayAsync(Event("""{"event_type":"step.start","event_id":"e4","index":1,"step":{"type":"function_call","id":"call_2","name":"get_local_time","arguments":{"location":"Lima"}}}"""));
        await relay.RelayAsync(Event("""{"event_type":"step.stop","event_id":"e5","index":1}"""));
        await relay.RelayAsync(Event("""{"event_type":"interaction.completed","event_id":"e6","interaction":{"id":"v1_calls","status":"requires_action"}}"""));
        relay.EndHop();
        await relay.PublishAsync(relay.RequiresAction("gemini-3.5-flash"));
        await relay.ConfirmAsync();

        var tail = _lane.Published.Select(p => p.Message).SkipWhile(m => m is not InteractionRequiresAction).ToList();
        var action = Assert.IsType<InteractionRequiresAction>(tail[0]);
        Assert.Equal(["call_1", "call_2"], action.Calls.Select(c => c.CallId));
        Assert.Equal(["call_1", "call_2"], tail.Skip(1).Cast<FunctionCallRequested>().Select(c => c.CallId));
        Assert.All(tail, m => AssertIds(m, "v1_calls"));
        Assert.Equal(1, _lane.Confirms);
    }

    [Fact]
    public async Task A_failure_and_a_cancellation_name_the_interaction_they_end()
    {
        var relay = Relay();
        await relay.RelayAsync(Event("""{"event_type":"interaction.created","event_id":"e1","interaction":{"id":"v1_fail","status":"in_progress"}}"""));
        await relay.PublishAsync(relay.Failed("api_error", "quota", retryable: true, attempts: 3));
        await relay.PublishAsync(relay.Cancelled());

        var failed = Assert.Single(_lane.Of<InteractionFailed>());
        Assert.Equal(("api_error", "quota", true, 3), (failed.Reason, failed.Message, failed.Retryable, failed.Attempts));
        AssertIds(failed, "v1_fail");
        AssertIds(Assert.Single(_lane.Of<InteractionCancelled>()), "v1_fail");
    }

    [Fact]
    public async Task The_stream_goes_on_while_a_checkpoint_waits_for_the_brokers_confirm()
    {
        var offered = new List<(string? LastEventId, bool Urgent)>();
        var relay = new InteractionRelay(_lane, new WorkerTelemetry(_metrics.GetRequiredService<IMeterFactory>()), Ids, TestContext.Current.CancellationToken)
        {
            CheckpointInterval = TimeSpan.Zero,
            OnCheckpoint = (state, urgent) => offered.Add((state["hop"]?["last_event_id"]?.GetValue<string>(), urgent)),
        };
        var confirm = new TaskCompletionSource();
        _lane.ConfirmedTask = confirm.Task; // the broker has not confirmed InteractionStarted yet

        await relay.RelayAsync(Event("""{"event_type":"interaction.created","event_id":"e1","interaction":{"id":"v1_wait","status":"in_progress"}}"""));
        await relay.RelayAsync(Event("""{"event_type":"step.start","event_id":"e2","index":0,"step":{"type":"model_output"}}"""));
        await relay.RelayAsync(Event("""{"event_type":"step.delta","event_id":"e3","index":0,"delta":{"type":"text","text":"Hi"}}"""));

        // Everything went out without waiting for the confirm; only the checkpoint that names the interaction was offered.
        Assert.Single(_lane.Of<InteractionStarted>());
        Assert.Single(_lane.Of<StepStarted>());
        Assert.Single(_lane.Of<StepDelta>());
        Assert.Equal([(null, true)], offered);

        confirm.SetResult();
        _lane.ConfirmedTask = Task.CompletedTask;
        await relay.RelayAsync(Event("""{"event_type":"step.delta","event_id":"e4","index":0,"delta":{"type":"text","text":" there"}}"""));

        // Confirmed: the newest checkpoint that waited is offered (e3: it replaced e1's and e2's), then e4's, confirmed at once.
        Assert.Equal([(null, true), ("e3", false), ("e4", false)], offered);
    }

    private InteractionRelay Relay(TimeSpan window = default, DeltaDeliveryMode deliveryMode = DeltaDeliveryMode.Persistent) =>
        new(_lane, new WorkerTelemetry(_metrics.GetRequiredService<IMeterFactory>()), Ids, TestContext.Current.CancellationToken, window, deliveryMode);

    private static async Task RelayAsync(InteractionRelay relay, IEnumerable<InteractionEvent> events)
    {
        foreach (var evt in events) await relay.RelayAsync(evt);
    }

    private static InteractionEvent Event(string json) => InteractionEvent.Parse(json);

    private static void AssertIds(object message, string? interactionId = null)
    {
        dynamic m = message;
        Assert.Equal(Ids.RequestId, (Guid)m.RequestId);
        Assert.Equal(Ids.ConversationId, (Guid)m.ConversationId);
        Assert.Equal(Ids.TurnId, (Guid)m.TurnId);
        if (interactionId is not null) Assert.Equal(interactionId, (string)m.InteractionId);
    }
}
