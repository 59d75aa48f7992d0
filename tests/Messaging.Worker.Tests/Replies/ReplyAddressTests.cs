using System.Collections.Concurrent;
using System.Text.Json;
using MassTransit;
using Messaging.Contracts;
using Messaging.Emulator;
using Messaging.Testing;
using Messaging.Worker.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Worker.Tests.Replies;

/// <summary>
/// A request's reply address gets every event of its turn — the saga's continuations inherit it through the function
/// loop — and nothing of any other request; an address that cannot be one is rejected. The single-process worker, a
/// queue that is bound to no exchange (so only what is sent to it arrives).
/// </summary>
public sealed class ReplyAddressTests : IAsyncDisposable
{
    private const string ReplyQueue = "my-service-replies";
    private readonly EventLog _events = EventLog.ByConversation();
    private readonly ReplyInbox _inbox = new();
    private EmulatorServer? _emulator;
    private WebApplication? _worker;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_event_of_a_turn_through_its_function_loop_reaches_its_reply_queue_and_no_other_requests_do()
    {
        await StartAsync();
        var conversation = Guid.NewGuid();
        var other = Guid.NewGuid();
        await Bus.Publish(new InteractionRequested { RequestId = other, Request = Json("""{"model":"gemini-3.5-flash","input":"not for the queue"}""") }, Ct);
        await Bus.Publish(new InteractionRequested { RequestId = conversation, ReplyTo = ReplyQueue, Request = WeatherRequest() }, Ct);

        var events = await _events.CallsAsync(conversation, 2);
        var action = events.Single<InteractionRequiresAction>();
        foreach (var call in action.Calls)
            await Bus.Publish(new FunctionResultSubmitted
            {
                ConversationId = conversation, InteractionId = action.InteractionId, CallId = call.CallId, Result = JsonSerializer.SerializeToElement(new { ok = true }),
            }, Ct);
        events = await _events.TurnEndedAsync(conversation, conversation);
        var completed = events.Single<InteractionCompleted>();
        var continuation = events.Of<InteractionRequested>().Single(r => r.RequestId != conversation);
        Assert.Equal(ReplyQueue, continuation.ReplyTo);
        await _events.TurnEndedAsync(other, other);

        var replies = await _inbox.UntilAsync(m => m is InteractionCompleted);
        Assert.All(replies, m => Assert.Equal(conversation, ConversationOf(m)));
        Assert.Contains(replies, m => m is InteractionRequiresAction);
        Assert.Equal(2, replies.OfType<FunctionCallRequested>().Count());
        Assert.Equal(2, replies.OfType<InteractionStarted>().Count()); // the first request and its continuation
        Assert.Equal(completed.OutputText, string.Concat(replies.OfType<StepDelta>().Where(d => d.RequestId == continuation.RequestId).Select(d => d.Text)));
    }

    [Fact]
    public async Task A_reply_address_that_cannot_be_one_is_rejected_saying_why()
    {
        await StartAsync();
        var request = Guid.NewGuid();
        await Bus.Publish(new InteractionRequested { RequestId = request, ReplyTo = "amq.direct", Request = Json("""{"model":"gemini-3.5-flash","input":"hi"}""") }, Ct);

        var rejected = (await _events.TurnEndedAsync(request, request)).Single<InteractionRejected>();
        var problem = Assert.Single(rejected.Errors);
        Assert.Equal("replyTo", problem.Field);
        Assert.Contains("amq.", problem.Message, StringComparison.Ordinal);
    }

    private async Task StartAsync()
    {
        _emulator = await EmulatorServer.StartAsync();
        _worker = await WorkerHost.StartAsync(new Dictionary<string, string?>
        {
            ["Interactions:BaseUrl"] = _emulator.BaseAddress.ToString(),
            ["Interactions:ApiKey"] = WorkerFixture.ApiKey,
        }, configureBus: x =>
        {
            x.AddConsumer<ConversationCollector>();
            x.AddSingleton(_events);
            x.AddSingleton(_inbox);
            x.AddConsumer<ReplyInboxConsumer>().Endpoint(e =>
            {
                e.Name = ReplyQueue;
                e.ConfigureConsumeTopology = false; // bound to nothing: it gets what is sent to it, only
            });
        });
    }

    private IBus Bus => _worker!.Services.GetRequiredService<IBus>();

    private static Guid ConversationOf(object message) => message switch
    {
        InteractionStarted m => m.ConversationId, StepStarted m => m.ConversationId, StepDelta m => m.ConversationId, StepCompleted m => m.ConversationId,
        InteractionRequiresAction m => m.ConversationId, FunctionCallRequested m => m.ConversationId, InteractionCompleted m => m.ConversationId,
        InteractionStatusChanged m => m.ConversationId, InteractionFailed m => m.ConversationId, InteractionRejected m => m.ConversationId,
        _ => Guid.Empty,
    };

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static JsonElement WeatherRequest() => Json("""
        {"model":"gemini-3.5-flash","input":"What is the weather like in Cairo?","tools":[
         {"type":"function","name":"get_current_temperature","parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}},
         {"type":"function","name":"get_local_time","parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}]}
        """);

    public async ValueTask DisposeAsync()
    {
        if (_worker is not null) await _worker.DisposeAsync();
        if (_emulator is not null) await _emulator.DisposeAsync();
    }
}

/// <summary>What reached the reply queue, in arrival order.</summary>
internal sealed class ReplyInbox
{
    private readonly ConcurrentQueue<object> _messages = new();

    public void Add(object message) => _messages.Enqueue(message);

    /// <summary>Waits (up to 60 s) until a message matches; returns everything received so far.</summary>
    public async Task<IReadOnlyList<object>> UntilAsync(Func<object, bool> last)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!_messages.Any(last)) await Task.Delay(20, timeout.Token);
        return _messages.ToList();
    }
}

internal sealed class ReplyInboxConsumer(ReplyInbox inbox) :
    IConsumer<InteractionStarted>, IConsumer<StepStarted>, IConsumer<StepDelta>, IConsumer<StepCompleted>, IConsumer<InteractionStatusChanged>,
    IConsumer<InteractionRequiresAction>, IConsumer<FunctionCallRequested>, IConsumer<InteractionCompleted>, IConsumer<InteractionFailed>,
    IConsumer<InteractionCancelled>, IConsumer<InteractionRejected>, IConsumer<InteractionDeferred>
{
    public Task Consume(ConsumeContext<InteractionStarted> context) => Add(context.Message);
    public Task Consume(ConsumeContext<StepStarted> context) => Add(context.Message);
    public Task Consume(ConsumeContext<StepDelta> context) => Add(context.Message);
    public Task Consume(ConsumeContext<StepCompleted> context) => Add(context.Message);
    public Task Consume(ConsumeContext<InteractionStatusChanged> context) => Add(context.Message);
    public Task Consume(ConsumeContext<InteractionRequiresAction> context) => Add(context.Message);
    public Task Consume(ConsumeContext<FunctionCallRequested> context) => Add(context.Message);
    public Task Consume(ConsumeContext<InteractionCompleted> context) => Add(context.Message);
    public Task Consume(ConsumeContext<InteractionFailed> context) => Add(context.Message);
    public Task Consume(ConsumeContext<InteractionCancelled> context) => Add(context.Message);
    public Task Consume(ConsumeContext<InteractionRejected> context) => Add(context.Message);
    public Task Consume(ConsumeContext<InteractionDeferred> context) => Add(context.Message);

    private Task Add(object message)
    {
        inbox.Add(message);
        return Task.CompletedTask;
    }
}
