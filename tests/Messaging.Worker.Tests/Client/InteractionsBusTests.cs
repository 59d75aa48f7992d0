using System.Text.Json;
using Messaging.Client.Interactions;
using Messaging.Contracts;
using Messaging.Testing;
using Messaging.Worker.Tests.Quotas;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;

namespace Messaging.Worker.Tests.Client;

/// <summary>
/// <see cref="IInteractionsBus"/> on a caller's own MassTransit bus, against worker replicas and the saga on the real
/// broker: a turn streamed in order and exactly once, a function loop answered by executors of the same library,
/// conversations continued by id, cancellation, a thousand requests at once, and only its own events on an instance's
/// reply queue.
/// </summary>
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
public sealed class InteractionsBusTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_turn_streams_in_order_exactly_once_and_a_function_loop_is_answered_by_executors()
    {
        await using var rig = await StartRigAsync(replicas: 2);
        // The reply queue read by 8 consumers at once: events arrive out of order, the stream is still in order and once.
        await using var client = await ClientAsync(rig, "stream", executors: true, concurrentReplies: 8);
        var bus = client.Services.GetRequiredService<IInteractionsBus>();

        var events = new List<object>();
        await foreach (var message in bus.StreamAsync(Request("""{"model":"gemini-3.5-flash","input":"Explain how AI works","labels":{"emulator_chunks":"12"}}"""), Ct))
            events.Add(message);
        var completed = Assert.IsType<InteractionCompleted>(events[^1]);
        var sequences = events.OfType<StepDelta>().Select(d => d.Sequence).ToList();
        Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);
        Assert.Equal(completed.OutputText, string.Concat(events.OfType<StepDelta>().Select(d => d.Text)));
        Assert.IsType<InteractionStarted>(events[0]);

        // The saga runs the loop; this process's executors answer both calls; the stream goes on to the continuation's end.
        var loop = await bus.SendAsync(Request(WeatherRequest), Ct);
        Assert.Equal("completed", loop.Completed?.Status);
        Assert.Equal(loop.OutputText, loop.Text);
        Assert.Equal(0, client.Services.GetRequiredService<TurnStreams>().Dropped);
    }

    [Fact]
    public async Task A_conversation_continues_by_its_id_alone_and_a_cancel_stops_the_stream()
    {
        await using var rig = await StartRigAsync(replicas: 1);
        await using var first = await ClientAsync(rig, "conv-a");
        await using var second = await ClientAsync(rig, "conv-b");

        var conversation = first.Services.GetRequiredService<IInteractionsBus>().StartConversation(Json("""{"model":"gemini-3.5-flash"}"""));
        var hello = await conversation.TurnAsync("I have 3 cats.", Ct);
        Assert.True(hello.Completed?.Status == "completed", JsonSerializer.Serialize(hello.Final, hello.Final.GetType()));
        // Another instance (a stateless service) continues it knowing only its id.
        var again = await second.Services.GetRequiredService<IInteractionsBus>().Conversation(conversation.Id).TurnAsync("How many paws are in my house?", Ct);
        Assert.True(again.Completed?.Status == "completed", JsonSerializer.Serialize(again.Final, again.Final.GetType()));
        Assert.Equal(conversation.Id, again.Completed!.ConversationId);

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var slow = Request("""{"model":"gemini-3.5-flash","input":"Tell me a long story","labels":{"emulator_chunks":"200","emulator_chunk_delay_ms":"100"}}""");
        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var message in first.Services.GetRequiredService<IInteractionsBus>().StreamAsync(slow, cancel.Token))
                if (message is StepDelta && ++seen == 2) await cancel.CancelAsync();
        });
        var cancelled = await rig.Events.FinishedAsync(slow.RequestId);
        Assert.Single(cancelled.Of<InteractionCancelled>());
    }

    [Fact]
    public async Task A_thousand_concurrent_requests_from_one_process_all_complete_and_each_instance_gets_only_its_own_events()
    {
        const int requests = 1000;
        await using var rig = await StartRigAsync(replicas: 2);
        await using var busy = await ClientAsync(rig, "busy");
        await using var quiet = await ClientAsync(rig, "quiet");
        var bus = busy.Services.GetRequiredService<IInteractionsBus>();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, requests).Select(i =>
            bus.SendAsync(Request($$"""{"model":"gemini-3.5-flash","input":"request {{i}}","labels":{"emulator_chunks":"3"} }"""), Ct)));
        var alone = await quiet.Services.GetRequiredService<IInteractionsBus>().SendAsync(Request("""{"model":"gemini-3.5-flash","input":"just one"}"""), Ct);

        var completed = outcomes.Count(o => o.Completed?.Status == "completed" && o.Text == o.OutputText);
        Messaging.Worker.Tests.Support.FaultReport.Print($"[client] {requests} concurrent SendAsync from one process: {completed} completed with their text; " +
                                                         $"events for no waiting turn: busy {Describe(busy)}, quiet {Describe(quiet)}");
        Assert.Equal(requests, completed);
        Assert.Equal("completed", alone.Completed?.Status);
        Assert.Equal(0, quiet.Services.GetRequiredService<TurnStreams>().Dropped); // none of busy's thousand reached quiet
    }

    private static string Describe(TestBus client)
    {
        var turns = client.Services.GetRequiredService<TurnStreams>();
        return $"{turns.Dropped} ({string.Join(", ", turns.DroppedByType.Select(t => $"{t.Key} {t.Value}"))})";
    }

    private static Task<QuotaRig> StartRigAsync(int replicas) => QuotaRig.StartAsync(replicas, [], new()
    {
        ["Conversations:Enabled"] = "true",
        ["Conversations:TableName"] = $"conversations_{Guid.NewGuid():N}"[..28],
        ["Worker:MaxConcurrentStreams"] = "256",
    });

    private static Task<TestBus> ClientAsync(QuotaRig rig, string name, bool executors = false, int concurrentReplies = 1) =>
        TestBus.StartAsync(rig.BrokerUrl, rig.Prefix, [], _ => { }, x =>
        {
            x.AddInteractionsBus(o =>
            {
                o.ClientName = rig.Prefix + name;
                o.InstanceName = "test";
                o.ConcurrentReplies = concurrentReplies;
            });
            if (!executors) return;
            x.AddFunctionExecutor<Place, Temperature>("get_current_temperature", (place, _) => Task.FromResult(new Temperature(place.Location, 21.5)));
            x.AddFunctionExecutor<Place, LocalTime>("get_local_time", (place, _) => Task.FromResult(new LocalTime(place.Location, "14:05")));
        });

    private sealed record Place(string Location);

    private sealed record Temperature(string Location, double Celsius);

    private sealed record LocalTime(string Location, string Time);

    private static InteractionRequested Request(string json) => new() { RequestId = Guid.NewGuid(), Request = Json(json) };

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private const string WeatherRequest = """
        {"model":"gemini-3.5-flash","input":"What is the weather like in Cairo?","tools":[
         {"type":"function","name":"get_current_temperature","parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}},
         {"type":"function","name":"get_local_time","parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}]}
        """;
}
