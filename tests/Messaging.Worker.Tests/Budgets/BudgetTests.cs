using System.Text.Json;
using MassTransit;
using Messaging.Contracts;
using Messaging.Emulator;
using Messaging.Testing;
using Messaging.Worker.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Worker.Tests.Budgets;

/// <summary>
/// Token budgets per tenant and per conversation, through the saga and its function loop, in the single-process worker
/// against the emulator: a request that crosses its budget finishes, the next is refused (InteractionRejected over_budget,
/// with the figures) before any API call; other tenants and conversations go on; <c>service_tier</c> passes through.
/// </summary>
public sealed class BudgetTests : IAsyncDisposable
{
    private readonly EventLog _events = EventLog.ByConversation();
    private EmulatorServer? _emulator;
    private WebApplication? _worker;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_tenant_budget_spent_by_a_function_round_refuses_the_continuation_before_any_call_and_other_tenants_go_on()
    {
        await StartAsync(new() { ["Budgets:Tenants:acme:Tokens"] = "1" });
        var conversation = Guid.NewGuid();
        var tag = $"budget-loop-{conversation:N}";

        await Bus.Publish(new InteractionRequested { RequestId = conversation, Tenant = "acme", Request = WeatherRequest(tag) }, Ct);
        var events = await _events.CallsAsync(conversation, 2);
        var action = events.Single<InteractionRequiresAction>();
        foreach (var call in action.Calls) await Submit(conversation, action.InteractionId, call.CallId);
        events = await _events.TurnEndedAsync(conversation, conversation);

        // The saga's continuation carries the conversation's tenant, and is refused: the round spent acme's budget.
        var continuation = events.Of<InteractionRequested>().Single(r => r.RequestId != conversation);
        Assert.Equal("acme", continuation.Tenant);
        var rejected = events.Single<InteractionRejected>();
        Assert.Equal((continuation.RequestId, "over_budget"), (rejected.RequestId, rejected.Reason));
        var budget = rejected.Budget!;
        Assert.Equal(("tenant", "acme", 1L, "month"), (budget.Scope, budget.Subject, budget.Limit, budget.Period));
        Assert.Equal(action.Usage.GetProperty("total_tokens").GetInt64(), budget.Used);
        Assert.Equal(budget.PeriodStart.AddMonths(1), budget.ResetsAt);
        Assert.Equal("tenant", Assert.Single(rejected.Errors).Field);
        Assert.Contains("Budgets:Tenant", rejected.Errors[0].Message, StringComparison.Ordinal);
        Assert.Equal(1, Creates(tag)); // the continuation never reached the API
        Assert.Empty(events.Of<InteractionCompleted>());

        // acme's next conversation is refused at once; another tenant's is served.
        var next = await RunAsync("acme", "next");
        Assert.Equal("over_budget", next.Single<InteractionRejected>().Reason);
        Assert.Equal(0, Creates($"next {next.RequestId}"));
        var other = await RunAsync("beta", "other");
        Assert.Equal("completed", other.Single<InteractionCompleted>().Status);
        Assert.Contains("\"service_tier\":\"flex\"", _emulator!.Requests.Single(r => r.Method == "POST" && r.Body.Contains($"other {other.RequestId}", StringComparison.Ordinal)).Body,
            StringComparison.Ordinal); // passed through as written
    }

    [Fact]
    public async Task A_conversation_budget_lets_the_turn_that_crosses_it_finish_and_refuses_the_next_turn_and_keeps_its_tenant()
    {
        await StartAsync(new() { ["Budgets:Conversation:Tokens"] = "1", ["Budgets:Conversation:Period"] = "Day" });

        var first = await RunAsync("acme", "first");
        var conversation = first.RequestId;
        Assert.Equal("completed", first.Single<InteractionCompleted>().Status);

        // Another tenant cannot continue (or be charged for) acme's conversation.
        var foreign = Guid.NewGuid();
        await Bus.Publish(new ConversationTurnRequested { RequestId = foreign, ConversationId = conversation, Tenant = "beta", Input = Json("\"mine now\"") }, Ct);
        var events = await _events.TurnEndedAsync(conversation, foreign);
        var refusedTenant = events.Of<InteractionRejected>().Single(r => r.RequestId == foreign);
        Assert.Equal(("invalid", "tenant"), (refusedTenant.Reason, Assert.Single(refusedTenant.Errors).Field));
        Assert.Contains("'acme'", refusedTenant.Errors[0].Message, StringComparison.Ordinal);

        // A turn that names no tenant is the conversation's: over its budget now, refused before any call.
        var second = Guid.NewGuid();
        await Bus.Publish(new ConversationTurnRequested { RequestId = second, ConversationId = conversation, Input = Json("\"one more\"") }, Ct);
        events = await _events.TurnEndedAsync(conversation, second);
        var rejected = events.Of<InteractionRejected>().Single(r => r.RequestId == second);
        Assert.Equal(("over_budget", "conversation", conversation.ToString(), "day"),
            (rejected.Reason, rejected.Budget!.Scope, rejected.Budget.Subject, rejected.Budget.Period));
        Assert.Equal(first.Single<InteractionCompleted>().Usage.GetProperty("total_tokens").GetInt64(), rejected.Budget.Used);
        Assert.Equal("acme", events.Of<InteractionRequested>().Single(r => r.RequestId == second).Tenant);
        Assert.Equal(0, Creates("one more"));

        // Another conversation has a budget of its own.
        Assert.Equal("completed", (await RunAsync("acme", "fresh")).Single<InteractionCompleted>().Status);
    }

    private async Task StartAsync(Dictionary<string, string?> settings)
    {
        _emulator = await EmulatorServer.StartAsync();
        var all = new Dictionary<string, string?>
        {
            ["Interactions:BaseUrl"] = _emulator.BaseAddress.ToString(),
            ["Interactions:ApiKey"] = WorkerFixture.ApiKey,
        };
        foreach (var (key, value) in settings) all[key] = value;
        _worker = await WorkerHost.StartAsync(all, configureBus: x =>
        {
            x.AddConsumer<ConversationCollector>();
            x.AddSingleton(_events);
        });
    }

    /// <summary>Starts a one-turn conversation for <paramref name="tenant"/> and waits for its end.</summary>
    private async Task<RequestEvents> RunAsync(string tenant, string tag)
    {
        var id = Guid.NewGuid();
        await Bus.Publish(new InteractionRequested
        {
            RequestId = id, Tenant = tenant, Request = Json($$"""{"model":"gemini-3.5-flash","input":"{{tag}} {{id}}","service_tier":"flex"}"""),
        }, Ct);
        return await _events.TurnEndedAsync(id, id);
    }

    private int Creates(string text) => _emulator!.Requests.Count(r => r.Method == "POST" && r.Body.Contains(text, StringComparison.Ordinal));

    private IBus Bus => _worker!.Services.GetRequiredService<IBus>();

    private Task Submit(Guid conversation, string interactionId, string callId) => Bus.Publish(new FunctionResultSubmitted
    {
        ConversationId = conversation, InteractionId = interactionId, CallId = callId, Result = JsonSerializer.SerializeToElement(new { ok = true }),
    }, Ct);

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static JsonElement WeatherRequest(string tag) => Json($$$"""
        {"model":"gemini-3.5-flash","input":"What is the weather like in Cairo? {{{tag}}}","tools":[
         {"type":"function","name":"get_current_temperature","parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}},
         {"type":"function","name":"get_local_time","parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}]}
        """);

    public async ValueTask DisposeAsync()
    {
        if (_worker is not null) await _worker.DisposeAsync();
        if (_emulator is not null) await _emulator.DisposeAsync();
    }
}
