using Messaging.Contracts;
using Messaging.Interactions.Models;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Streaming;

/// <summary>CancelInteraction reaches the replica holding the stream (through every replica's control queue).</summary>
public sealed class CancellationTests(WorkerFixture fixture) : WorkerTest(fixture)
{
    private const string SlowStream = """{"model":"gemini-3.5-flash","input":"Tell me a long story","labels":{"emulator_chunks":"60","emulator_chunk_delay_ms":"100"}}""";

    [Fact]
    public async Task Cancelling_a_running_stream_by_request_id_stops_it()
    {
        var requestId = await PublishAsync(SlowStream);
        await Fixture.Events.WaitAsync(requestId, e => e.Of<StepDelta>().Any(d => d.Text is not null), "a text delta");

        await Fixture.Bus.Publish(new CancelInteraction { RequestId = requestId }, Ct);

        var events = await Fixture.Events.FinishedAsync(requestId);
        var cancelled = events.Single<InteractionCancelled>();
        Assert.Equal(events.Single<InteractionStarted>().InteractionId, cancelled.InteractionId);
        Assert.DoesNotContain(events.All, m => m is InteractionCompleted);
        StreamAssert.WellFormed(events);
        var run = await Fixture.Api.GetAsync(cancelled.InteractionId, cancellationToken: Ct);
        Assert.Equal(InteractionStatus.Cancelled, run.Status);
    }

    [Fact]
    public async Task Cancelling_by_interaction_id_stops_the_stream()
    {
        var requestId = await PublishAsync(SlowStream);
        var started = (await Fixture.Events.WaitAsync(requestId, e => e.Of<StepDelta>().Any(), "a delta")).Single<InteractionStarted>();

        await Fixture.Bus.Publish(new CancelInteraction { InteractionId = started.InteractionId }, Ct);

        var events = await Fixture.Events.FinishedAsync(requestId);
        Assert.Equal(started.InteractionId, events.Single<InteractionCancelled>().InteractionId);
    }

    [Fact]
    public async Task Cancelling_a_background_run_by_conversation_cancels_it_at_the_api()
    {
        var conversation = Guid.NewGuid();
        var requestId = await PublishAsync("""{"model":"gemini-3.5-flash","input":"A very long task","background":true,"labels":{"emulator_background_ms":"60000"}}""", conversation);
        var started = (await Fixture.Events.WaitAsync(requestId, e => e.Of<InteractionStarted>().Any(), "InteractionStarted")).Single<InteractionStarted>();

        await Fixture.Bus.Publish(new CancelInteraction { ConversationId = conversation }, Ct);

        var events = await Fixture.Events.FinishedAsync(requestId);
        Assert.Equal(started.InteractionId, events.Single<InteractionCancelled>().InteractionId);
        Assert.Equal("cancelled", events.Of<InteractionStatusChanged>()[^1].Status);
        Assert.Contains(Fixture.Emulator.Requests, r => r.Method == "POST" && r.Path.EndsWith($"{started.InteractionId}/cancel", StringComparison.Ordinal));
        Assert.Equal(InteractionStatus.Cancelled, (await Fixture.Api.GetAsync(started.InteractionId, cancellationToken: Ct)).Status);
    }
}
