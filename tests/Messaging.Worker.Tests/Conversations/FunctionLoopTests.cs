using System.Text.Json;
using Messaging.Contracts;
using Messaging.Interactions;
using Messaging.Worker.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Worker.Tests.Conversations;

/// <summary>Seed section 9 over the bus: calls out to executors, results back to the saga, continuation until completed.</summary>
public sealed class FunctionLoopTests(ConversationFixture fixture) : ConversationTest(fixture)
{
    [Theory]
    [InlineData(false, 1, 1)]
    [InlineData(false, 3, 1)]
    [InlineData(false, 1, 2)]
    [InlineData(true, 1, 1)]
    [InlineData(true, 3, 1)]
    [InlineData(true, 1, 2)]
    public async Task Loop_ends_in_InteractionCompleted_whose_answer_uses_every_result(bool stateless, int functions, int rounds)
    {
        var tag = Guid.NewGuid().ToString("N");
        var conversation = await Fixture.StartAsync(Request("What is the weather like in London?", functions, stateless, tag, rounds), Ct);

        var actions = new List<InteractionRequiresAction>();
        for (var round = 1; round <= rounds; round++) actions.Add(await AnswerRoundAsync(conversation, round));
        var events = await Fixture.Events.TurnEndedAsync(conversation, conversation);

        var completed = events.Single<InteractionCompleted>();
        Assert.Equal("completed", completed.Status);
        Assert.Equal(conversation, completed.TurnId);
        Assert.All(actions, a => Assert.Equal(functions, a.Calls.Count));
        foreach (var call in actions.SelectMany(a => a.Calls)) Assert.Contains($"value-{call.CallId}", completed.OutputText, StringComparison.Ordinal);

        var requests = events.Of<InteractionRequested>();
        Assert.Equal(rounds + 1, requests.Count);
        Assert.All(requests, r => Assert.Equal(conversation, r.TurnId ?? r.RequestId));
        Assert.Equal(rounds + 1, requests.Select(r => r.RequestId).Distinct().Count());
        Assert.Equal(requests[^1].RequestId, completed.RequestId);

        // The conversation's usage totals count every interaction of the loop.
        await Fixture.WaitForStoredStateAsync(conversation, "Idle", Ct);
        var totals = JsonDocument.Parse((await Fixture.StoredMemberAsync(conversation, "Usage"))!).RootElement;
        var expected = actions.Sum(a => a.Usage.GetProperty("total_tokens").GetInt64()) + completed.Usage.GetProperty("total_tokens").GetInt64();
        Assert.Equal(expected, totals.GetProperty("total_tokens").GetInt64());

        var bodies = EmulatorBodies(tag);
        Assert.Equal(rounds + 1, bodies.Count);
        for (var round = 1; round <= rounds; round++)
        {
            var action = actions[round - 1];
            var body = bodies[round];
            var input = Raw(body.GetProperty("input"));
            var results = input[^functions..].Select(r => JsonDocument.Parse(r).RootElement).ToList();
            Assert.Equal(action.Calls.Select(c => c.CallId), results.Select(r => r.GetProperty("call_id").GetString()));
            Assert.All(results, r => Assert.Equal("function_result", r.GetProperty("type").GetString()));
            Assert.Equal(bodies[0].GetProperty("tools").GetRawText(), body.GetProperty("tools").GetRawText());
            if (stateless)
            {
                // The emulator got back, byte for byte, the history it was sent before plus what the model generated.
                Assert.False(body.GetProperty("store").GetBoolean());
                Assert.False(body.TryGetProperty("previous_interaction_id", out _));
                var previousInput = round == 1 ? null : Raw(bodies[round - 1].GetProperty("input"));
                var expectedPrefix = (previousInput ?? []).Concat(Raw(action.Steps)).ToArray();
                if (round == 1) Assert.Equal("user_input", JsonDocument.Parse(input[0]).RootElement.GetProperty("type").GetString());
                var offset = round == 1 ? 1 : 0;
                Assert.Equal(expectedPrefix, input[offset..^functions]);
                Assert.Contains(Raw(action.Steps), s => s.Contains("\"signature\"", StringComparison.Ordinal));
            }
            else
            {
                Assert.Equal(action.InteractionId, body.GetProperty("previous_interaction_id").GetString());
                Assert.Equal(functions, input.Length);
            }
        }
    }

    [Fact]
    public async Task Results_out_of_order_twice_late_or_unknown_never_corrupt_the_loop()
    {
        var tag = Guid.NewGuid().ToString("N");
        var conversation = await Fixture.StartAsync(Request("What is the weather like in Paris?", 3, stateless: false, tag), Ct);
        var events = await Fixture.Events.CallsAsync(conversation, 3);
        var action = events.Single<InteractionRequiresAction>();
        var calls = action.Calls;
        string Result(FunctionCall c) => AutoExecutor.ResultFor(c.Name, c.CallId);

        await Fixture.SubmitAsync(conversation, action.InteractionId, calls[2].CallId, Result(calls[2]), Ct);
        await Fixture.SubmitAsync(conversation, action.InteractionId, calls[0].CallId, Result(calls[0]), Ct);
        await Fixture.SubmitAsync(conversation, action.InteractionId, calls[0].CallId, """[{"type":"text","text":"a second, different answer"}]""", Ct);
        await Fixture.SubmitAsync(conversation, action.InteractionId, "call_nobody_made", """{"x":1}""", Ct);
        await Fixture.Events.WaitAsync(conversation, e => e.Of<FunctionResultRejected>().Any(r => r.CallId == "call_nobody_made"), "the unknown call reported");
        await Fixture.SubmitAsync(conversation, action.InteractionId, calls[1].CallId, Result(calls[1]), Ct);
        events = await Fixture.Events.TurnEndedAsync(conversation, conversation);

        Assert.Single(events.Of<InteractionCompleted>());
        Assert.Equal(2, events.Of<InteractionRequested>().Count);
        var results = Fixture.Emulator.Requests.Count(r => r.Method == "POST" && r.Body.Contains(action.InteractionId, StringComparison.Ordinal));
        Assert.Equal(1, results);
        var continuation = EmulatorBodies(tag)[1];
        Assert.Equal(calls.Select(c => c.CallId), continuation.GetProperty("input").EnumerateArray().Select(r => r.GetProperty("call_id").GetString()));
        // Whichever of the two answers to the first call came first was used, and only it.
        Assert.Single(continuation.GetProperty("input").EnumerateArray(), r => r.GetProperty("call_id").GetString() == calls[0].CallId);
        var unknown = Assert.Single(events.Of<FunctionResultRejected>());
        Assert.Equal("unknown_call", unknown.Reason);

        // After the round: a repeat of a used result is ignored; a new call id is late; another interaction is unknown.
        await Fixture.SubmitAsync(conversation, action.InteractionId, calls[1].CallId, Result(calls[1]), Ct);
        await Fixture.SubmitAsync(conversation, action.InteractionId, "call_after_the_fact", """{"x":2}""", Ct);
        await Fixture.SubmitAsync(conversation, "v1_not_an_interaction_of_this_conversation", "call_x", """{"x":3}""", Ct);
        var stranger = Guid.NewGuid();
        await Fixture.SubmitAsync(stranger, action.InteractionId, calls[0].CallId, Result(calls[0]), Ct);

        events = await Fixture.Events.WaitAsync(conversation, e => e.Of<FunctionResultRejected>().Count >= 3, "late and unknown results reported");
        Assert.Equal("late", events.Of<FunctionResultRejected>().Single(r => r.CallId == "call_after_the_fact").Reason);
        Assert.Equal("unknown_interaction", events.Of<FunctionResultRejected>().Single(r => r.CallId == "call_x").Reason);
        var foreign = await Fixture.Events.WaitAsync(stranger, e => e.Of<FunctionResultRejected>().Count == 1, "unknown conversation reported");
        Assert.Equal("unknown_conversation", foreign.Single<FunctionResultRejected>().Reason);
        Assert.Single(events.Of<InteractionCompleted>());
        Assert.Equal(2, events.Of<InteractionRequested>().Count);
    }

    [Fact]
    public async Task A_turn_that_keeps_asking_for_functions_fails_at_the_round_limit()
    {
        var tag = Guid.NewGuid().ToString("N");
        // The executor answers before the first call can exist.
        var conversation = Guid.NewGuid();
        Fixture.Executor.Answer(conversation);
        await Fixture.StartAsync(Request("What is the weather like in Rome?", 1, stateless: false, tag, rounds: ConversationFixture.MaxFunctionRounds + 2), Ct,
            conversation);

        var events = await Fixture.Events.TurnEndedAsync(conversation, conversation);

        var failed = events.Single<InteractionFailed>();
        Assert.Equal("round_limit", failed.Reason);
        Assert.Equal(conversation, failed.TurnId);
        Assert.Contains("Conversations:MaxFunctionRounds", failed.Message, StringComparison.Ordinal);
        Assert.Equal(ConversationFixture.MaxFunctionRounds + 1, events.Of<InteractionRequested>().Count);
        Assert.Empty(events.Of<InteractionCompleted>());
        // The executor's answer to the refused round is reported as late, not used.
        events = await Fixture.Events.WaitAsync(conversation, e => e.Of<FunctionResultRejected>().Count == 1, "the refused round's result reported");
        Assert.Equal("late", events.Single<FunctionResultRejected>().Reason);
        Assert.Equal(ConversationFixture.MaxFunctionRounds + 1, events.Of<InteractionRequested>().Count);
    }

    [Fact]
    public async Task An_API_error_in_the_middle_of_the_loop_fails_the_turn_and_the_conversation_goes_on()
    {
        var tag = Guid.NewGuid().ToString("N");
        var conversation = await Fixture.StartAsync(Request("What is the weather like in Oslo?", 1, stateless: false, tag), Ct);
        var events = await Fixture.Events.CallsAsync(conversation, 1);
        var call = events.Single<FunctionCallRequested>();

        // The interaction the results answer is gone (deleted, or expired at the API): the continuation gets a 404.
        await Fixture.Workers[0].Services.GetRequiredService<IInteractionsClient>().DeleteAsync(call.InteractionId, Ct);
        await Fixture.SubmitAsync(conversation, call.InteractionId, call.CallId, AutoExecutor.ResultFor(call.Name, call.CallId), Ct);
        events = await Fixture.Events.TurnEndedAsync(conversation, conversation);

        var failed = events.Single<InteractionFailed>();
        Assert.Equal("api_error", failed.Reason);
        Assert.Equal(events.Of<InteractionRequested>()[1].RequestId, failed.RequestId);

        var turn = Guid.NewGuid();
        await Fixture.Bus.Publish(new ConversationTurnRequested
        {
            RequestId = turn, ConversationId = conversation, Input = ConversationFixture.Parse("\"Thanks. Anything else about Oslo?\""),
            Request = ConversationFixture.Parse("""{"tools":[]}"""),
        }, Ct);
        events = await Fixture.Events.TurnEndedAsync(conversation, turn);
        Assert.Equal("completed", Assert.Single(events.Of<InteractionCompleted>(), c => c.TurnId == turn).Status);
    }

    [Fact]
    public async Task A_rejected_first_request_leaves_the_conversation_ready_for_the_next_turn()
    {
        var conversation = await Fixture.StartAsync("""{"input":"Which model am I talking to?"}""", Ct);
        var events = await Fixture.Events.TurnEndedAsync(conversation, conversation);
        Assert.Contains(events.Single<InteractionRejected>().Errors, e => e.Field == "request.model");

        var turn = Guid.NewGuid();
        await Fixture.Bus.Publish(new ConversationTurnRequested
        {
            RequestId = turn, ConversationId = conversation, Input = ConversationFixture.Parse("\"Explain how AI works\""),
            Request = ConversationFixture.Parse("""{"model":"gemini-3.5-flash"}"""),
        }, Ct);
        events = await Fixture.Events.TurnEndedAsync(conversation, turn);
        Assert.Equal("completed", Assert.Single(events.Of<InteractionCompleted>()).Status);
    }

    [Fact]
    public async Task Cancelling_a_conversation_that_waits_for_results_ends_its_turn()
    {
        var tag = Guid.NewGuid().ToString("N");
        var conversation = await Fixture.StartAsync(Request("What is the weather like in Lima?", 2, stateless: false, tag), Ct);
        var events = await Fixture.Events.CallsAsync(conversation, 2);
        var action = events.Single<InteractionRequiresAction>();

        await Fixture.Bus.Publish(new CancelInteraction { ConversationId = conversation }, Ct);
        events = await Fixture.Events.TurnEndedAsync(conversation, conversation);

        var cancelled = events.Single<InteractionCancelled>();
        Assert.Equal(action.InteractionId, cancelled.InteractionId);
        await Fixture.SubmitAsync(conversation, action.InteractionId, action.Calls[1].CallId, AutoExecutor.ResultFor(action.Calls[1].Name, action.Calls[1].CallId), Ct);
        events = await Fixture.Events.WaitAsync(conversation, e => e.Of<FunctionResultRejected>().Count == 1, "the result after the cancel reported");
        Assert.Equal("late", events.Single<FunctionResultRejected>().Reason);
        Assert.Single(events.Of<InteractionRequested>());
        Assert.Empty(events.Of<InteractionCompleted>());
    }
}
