using System.Text.Json;
using MassTransit;
using Messaging.Contracts;
using Messaging.Emulator;
using Messaging.Testing;
using Messaging.Worker.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Worker.Tests.Conversations;

/// <summary>
/// The single-process default (in-memory transport and saga store, the sweeper on its own timer), with a short
/// deadline: a round whose results do not all arrive in time fails with <c>timeout</c>. The saga's rules one by one,
/// retention included, are in <see cref="ConversationStateMachineTests"/> on a fake clock.
/// </summary>
public sealed class InProcessConversationTests : IAsyncLifetime
{
    private readonly EventLog _events = EventLog.ByConversation();
    private EmulatorServer? _emulator;
    private WebApplication? _worker;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _emulator = await EmulatorServer.StartAsync();
        _worker = await WorkerHost.StartAsync(new Dictionary<string, string?>
        {
            ["Interactions:BaseUrl"] = _emulator.BaseAddress.ToString(),
            ["Interactions:ApiKey"] = WorkerFixture.ApiKey,
            ["Conversations:FunctionResultTimeout"] = "00:00:00.500",
            ["Conversations:SweepInterval"] = "00:00:00.050",
            ["Conversations:StartGrace"] = "00:00:00.500",
        }, configureBus: x =>
        {
            x.AddConsumer<ConversationCollector>().Endpoint(e => e.ConcurrentMessageLimit = 1);
            x.AddSingleton(_events);
        });
    }

    [Fact]
    public async Task A_round_whose_results_do_not_all_arrive_in_time_fails_with_timeout()
    {
        var conversation = Guid.NewGuid();
        await Bus.Publish(new InteractionRequested { RequestId = conversation, Request = Request("What is the weather like in Cairo?") }, Ct);
        var events = await _events.CallsAsync(conversation, 2);
        var action = events.Single<InteractionRequiresAction>();
        await Submit(conversation, action.InteractionId, action.Calls[0].CallId);

        events = await _events.TurnEndedAsync(conversation, conversation);

        var failed = events.Single<InteractionFailed>();
        Assert.Equal("timeout", failed.Reason);
        Assert.Contains(action.Calls[1].CallId, failed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(action.Calls[0].CallId, failed.Message, StringComparison.Ordinal);
        await Submit(conversation, action.InteractionId, action.Calls[1].CallId);
        events = await _events.WaitAsync(conversation, e => e.Of<FunctionResultRejected>().Count == 1, "the late result reported");
        Assert.Equal("late", events.Single<FunctionResultRejected>().Reason);
        Assert.Single(events.Of<InteractionRequested>());
    }

    private IBus Bus => _worker!.Services.GetRequiredService<IBus>();

    private Task Submit(Guid conversation, string interactionId, string callId) => Bus.Publish(new FunctionResultSubmitted
    {
        ConversationId = conversation, InteractionId = interactionId, CallId = callId, Result = JsonSerializer.SerializeToElement(new { ok = true }),
    }, Ct);

    private static JsonElement Request(string input) => JsonDocument.Parse($$$"""
        {"model":"gemini-3.5-flash","input":{{{JsonSerializer.Serialize(input)}}},"tools":[
         {"type":"function","name":"get_current_temperature","parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}},
         {"type":"function","name":"get_local_time","parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}]}
        """).RootElement.Clone();

    public async ValueTask DisposeAsync()
    {
        if (_worker is not null) await _worker.DisposeAsync();
        if (_emulator is not null) await _emulator.DisposeAsync();
    }
}
