using System.Text.Json;
using Messaging.Contracts;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Conversations;

/// <summary>Seed section 4 through the saga: a service that keeps no state continues a conversation with ConversationTurnRequested.</summary>
public sealed class MultiTurnTests(ConversationFixture fixture) : ConversationTest(fixture)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_turn_requested_by_conversation_id_chains_from_the_last_interaction(bool stateless)
    {
        var tag = Guid.NewGuid().ToString("N");
        var conversation = await Fixture.StartAsync(
            $$$"""{"model":"gemini-3.5-flash","input":"I have 2 dogs in my house.",{{{(stateless ? "\"store\":false," : "")}}}"labels":{"test_tag":"{{{tag}}}"}}""", Ct);
        var first = (await Fixture.Events.TurnEndedAsync(conversation, conversation)).Single<InteractionCompleted>();

        var turn = await RequestTurnAsync(conversation, "How many paws are in my house?");
        var events = await Fixture.Events.TurnEndedAsync(conversation, turn);

        var second = Assert.Single(events.Of<InteractionCompleted>(), c => c.TurnId == turn);
        Assert.Contains("8", second.OutputText, StringComparison.Ordinal);
        Assert.Equal(2, events.Of<InteractionRequested>().Count);
        var bodies = EmulatorBodies(tag);
        Assert.Equal(2, bodies.Count);
        Assert.Equal("gemini-3.5-flash", bodies[1].GetProperty("model").GetString());
        if (stateless)
        {
            // The history resent: the first input, the model's steps exactly as received, then the new input.
            var input = Raw(bodies[1].GetProperty("input"));
            Assert.Equal(Raw(first.Steps), input[1..^1]);
            Assert.Contains("How many paws", input[^1], StringComparison.Ordinal);
            Assert.False(bodies[1].GetProperty("store").GetBoolean());
        }
        else
        {
            Assert.Equal(first.InteractionId, bodies[1].GetProperty("previous_interaction_id").GetString());
            Assert.Equal("How many paws are in my house?", bodies[1].GetProperty("input").GetString());
        }
    }

    [Fact]
    public async Task Turns_requested_while_one_runs_wait_their_turn_and_chain_in_order()
    {
        var tag = Guid.NewGuid().ToString("N");
        var conversation = await Fixture.StartAsync(
            $$$"""{"model":"gemini-3.5-flash","input":"I have 3 cats.","labels":{"test_tag":"{{{tag}}}","emulator_chunk_delay_ms":"20","emulator_chunks":"10"}}""", Ct);
        var second = await RequestTurnAsync(conversation, "I also have 1 parrot.");
        var third = await RequestTurnAsync(conversation, "How many legs are in my house?");

        var events = await Fixture.Events.WaitAsync(conversation, e => e.Of<InteractionCompleted>().Count == 3, "three turns completed");

        // The two queued turns may be taken in either order (replicas consume concurrently), but one at a time.
        var completed = events.Of<InteractionCompleted>();
        Assert.Equal(conversation, completed[0].TurnId);
        Assert.Equal(new[] { second, third }.Order(), completed.Skip(1).Select(c => c.TurnId).Order());
        var requests = events.Of<InteractionRequested>();
        Assert.Equal(completed.Select(c => c.TurnId), requests.Select(r => r.TurnId ?? r.RequestId));
        // Never interleaved: each turn's request went out after the previous turn completed, and chains from it.
        var order = events.All.Where(m => m is InteractionRequested or InteractionCompleted).Select(m => m.GetType().Name).ToList();
        Assert.Equal(["InteractionRequested", "InteractionCompleted", "InteractionRequested", "InteractionCompleted", "InteractionRequested", "InteractionCompleted"], order);
        Assert.Equal(completed[0].InteractionId, requests[1].Request.GetProperty("previous_interaction_id").GetString());
        Assert.Equal(completed[1].InteractionId, requests[2].Request.GetProperty("previous_interaction_id").GetString());
    }

    [Fact]
    public async Task An_end_of_turn_that_overtakes_its_request_still_ends_that_turn()
    {
        // As when the saga's handling of a request is retried after a conflict while a fast rejection goes through.
        var conversation = Guid.NewGuid();
        await Fixture.Bus.Publish(new InteractionRejected
        {
            RequestId = conversation, ConversationId = conversation, TurnId = conversation, Errors = [new ValidationProblem("request", "rejected early")],
        }, Ct);
        await PublishSlowRequestAsync(conversation);

        // The early rejection ended the turn: the saga is idle before the real answer, which then changes nothing.
        await Fixture.WaitForStoredStateAsync(conversation, "Idle", Ct);
        await Fixture.Events.TurnEndedAsync(conversation, conversation);
        Assert.Null(await Fixture.StoredMemberAsync(conversation, "LastInteractionId"));
    }

    [Fact]
    public async Task A_completion_that_overtakes_its_request_is_applied_once_the_request_arrives()
    {
        var conversation = Guid.NewGuid();
        await Fixture.Bus.Publish(new InteractionCompleted
        {
            RequestId = conversation, ConversationId = conversation, TurnId = conversation, InteractionId = "v1_overtaking", Status = "completed",
        }, Ct);
        await PublishSlowRequestAsync(conversation);

        await Fixture.WaitForStoredStateAsync(conversation, "Idle", Ct);
        Assert.Equal("v1_overtaking", await Fixture.StoredMemberAsync(conversation, "LastInteractionId"));
        await Fixture.Events.WaitAsync(conversation, e => e.Of<InteractionCompleted>().Count == 2, "the real completion too");
        Assert.Equal("v1_overtaking", await Fixture.StoredMemberAsync(conversation, "LastInteractionId"));
    }

    [Fact]
    public async Task A_turn_for_an_unknown_conversation_is_rejected_unless_it_names_a_model()
    {
        var unknown = Guid.NewGuid();
        var turn = await RequestTurnAsync(unknown, "Hello?");
        var events = await Fixture.Events.TurnEndedAsync(unknown, turn);
        var rejected = events.Single<InteractionRejected>();
        Assert.Equal("conversationId", Assert.Single(rejected.Errors).Field);

        var fresh = Guid.NewGuid();
        var started = await RequestTurnAsync(fresh, "Explain how AI works", """{"model":"gemini-3.5-flash"}""");
        events = await Fixture.Events.TurnEndedAsync(fresh, started);
        Assert.Equal("completed", events.Single<InteractionCompleted>().Status);
    }

    [Fact]
    public async Task A_turn_that_would_switch_between_stored_and_stateless_is_rejected()
    {
        var conversation = await Fixture.StartAsync("""{"model":"gemini-3.5-flash","input":"Hi."}""", Ct);
        await Fixture.Events.TurnEndedAsync(conversation, conversation);

        var turn = await RequestTurnAsync(conversation, "And now?", """{"store":false}""");
        var events = await Fixture.Events.TurnEndedAsync(conversation, turn);

        Assert.Equal("request.store", Assert.Single(events.Single<InteractionRejected>().Errors).Field);
    }

    private async Task<Guid> RequestTurnAsync(Guid conversation, string input, string? overrides = null)
    {
        var turn = Guid.NewGuid();
        await Fixture.Bus.Publish(new ConversationTurnRequested
        {
            RequestId = turn, ConversationId = conversation, Input = ConversationFixture.Parse(JsonSerializer.Serialize(input)),
            Request = overrides is null ? default : ConversationFixture.Parse(overrides),
        }, Ct);
        return turn;
    }

    /// <summary>The conversation's first request; its answer starts only after 5 s, so the events a test publishes come first.</summary>
    private Task PublishSlowRequestAsync(Guid conversation) =>
        Fixture.Bus.Publish(new InteractionRequested
        {
            RequestId = conversation,
            Request = ConversationFixture.Parse("""{"model":"gemini-3.5-flash","input":"Hello","labels":{"emulator_first_token_ms":"5000"}}"""),
        }, Ct);
}
