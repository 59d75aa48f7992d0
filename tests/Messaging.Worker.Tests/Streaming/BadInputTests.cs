using System.Text.Json;
using MassTransit;
using Messaging.Contracts;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Streaming;

/// <summary>Bad input gets a clear answer and is never lost: a rejection listing each problem, and the original in the error queue.</summary>
public sealed class BadInputTests(WorkerFixture fixture) : WorkerTest(fixture)
{
    public static TheoryData<string, string, string, string> InvalidRequests => new()
    {
        { "a request that is not an object", "\"Explain how AI works\"", "request", "must be a JSON object" },
        { "no model and no agent", """{"input":"Explain how AI works"}""", "request.model", "give a model" },
        { "both model and agent", """{"model":"gemini-3.5-flash","agent":"antigravity-preview-05-2026","input":"Hi"}""", "request.agent", "not both" },
        { "no input", """{"model":"gemini-3.5-flash"}""", "request.input", "is required" },
        { "an empty input", """{"model":"gemini-3.5-flash","input":""}""", "request.input", "must not be empty" },
        { "an empty input list", """{"model":"gemini-3.5-flash","input":[]}""", "request.input", "must not be empty" },
        { "an unknown content type", """{"model":"gemini-3.5-flash","input":[{"type":"text","text":"Hi"},{"type":"hologram","data":"AAAA"}]}""", "request.input[1].type", "unknown content type 'hologram'" },
        { "an unknown content type inside a step", """{"model":"gemini-3.5-flash","input":[{"type":"user_input","content":[{"type":"smell"}]}]}""", "request.input[0].content[0].type", "unknown content type 'smell'" },
        { "a previous_interaction_id that is not an id", """{"model":"gemini-3.5-flash","input":"Hi","previous_interaction_id":42}""", "request.previous_interaction_id", "interaction id" },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task Rejects_an_invalid_request_and_keeps_it_in_the_error_queue(string description, string request, string field, string message)
    {
        var events = await RunAsync(request);

        var rejected = events.Single<InteractionRejected>();
        var problem = Assert.Single(rejected.Errors);
        Assert.Equal(field, problem.Field);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
        Assert.Equal((events.RequestId, events.RequestId), (rejected.ConversationId, rejected.TurnId));
        Assert.DoesNotContain(events.All, m => m is InteractionStarted);
        await AssertKeptInErrorQueueAsync(events.RequestId, description);
    }

    [Fact]
    public async Task Rejects_an_oversize_payload()
    {
        var padding = new string('a', WorkerFixture.MaxRequestBytes);
        var events = await RunAsync($$"""{"model":"gemini-3.5-flash","input":[{"type":"image","data":"{{padding}}","mime_type":"image/png"}]}""");

        var problem = Assert.Single(events.Single<InteractionRejected>().Errors);
        Assert.Equal("request", problem.Field);
        Assert.Contains($"the limit is {WorkerFixture.MaxRequestBytes} bytes", problem.Message, StringComparison.Ordinal);
        await AssertKeptInErrorQueueAsync(events.RequestId, "oversize");
        // One fault, naming the request without carrying its megabytes again.
        var faulted = await Fixture.Events.WaitAsync(events.RequestId, e => e.Of<Fault<InteractionRequested>>().Any(), "the fault");
        var fault = Assert.Single(faulted.Of<Fault<InteractionRequested>>());
        Assert.True(fault.Message.Request.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null, "the fault repeats the request");
    }

    [Fact]
    public async Task Rejects_empty_ids_and_lists_every_problem_at_once()
    {
        var requestId = Guid.NewGuid();
        await Fixture.Bus.Publish(new InteractionRequested
        {
            RequestId = requestId, ConversationId = Guid.Empty, TurnId = Guid.Empty, Request = Json("""{"input":[{"type":"hologram"}]}"""),
        }, Ct);

        var events = await Fixture.Events.FinishedAsync(requestId);

        var fields = events.Single<InteractionRejected>().Errors.Select(e => e.Field).ToList();
        Assert.Equal(["conversationId", "turnId", "request.model", "request.input[0].type"], fields);
        await AssertKeptInErrorQueueAsync(requestId, "empty ids");
    }

    [Fact]
    public async Task A_request_without_request_id_faults_and_is_kept_in_the_error_queue()
    {
        var marker = $"no-request-id-{Guid.NewGuid():N}";
        await Fixture.Bus.Publish(new InteractionRequested { Request = Json($$"""{"model":"gemini-3.5-flash","input":"{{marker}}"}""") }, Ct);

        var events = await Fixture.Events.WaitAsync(Guid.Empty,
            e => e.Of<Fault<InteractionRequested>>().Any(f => f.Message.Request.GetRawText().Contains(marker, StringComparison.Ordinal)), "the fault");

        var fault = events.Of<Fault<InteractionRequested>>().Single(f => f.Message.Request.GetRawText().Contains(marker, StringComparison.Ordinal));
        Assert.Contains("requestId", fault.Exceptions[0].Message, StringComparison.Ordinal);
        var kept = await Fixture.ErrorQueueMessageAsync(marker);
        Assert.Equal("fault", kept.Headers["MT-Reason"]);
    }

    [Fact]
    public async Task A_message_that_is_not_json_is_kept_in_the_error_queue()
    {
        var marker = $"not-json-{Guid.NewGuid():N}";
        await Fixture.PublishRawAsync($"this is not JSON {marker}", "application/vnd.masstransit+json");

        var kept = await Fixture.ErrorQueueMessageAsync(marker);

        Assert.Equal($"this is not JSON {marker}", kept.Body);
        Assert.False(string.IsNullOrEmpty(kept.Headers["MT-Fault-Message"]));
    }

    [Fact]
    public async Task A_message_of_the_wrong_shape_is_kept_in_the_error_queue()
    {
        var marker = $"wrong-shape-{Guid.NewGuid():N}";
        var envelope = $$"""
            {"messageId":"{{Guid.NewGuid()}}","messageType":["urn:message:Messaging.Contracts:InteractionRequested"],
             "message":{"requestId":12345,"request":{"model":"gemini-3.5-flash","input":"{{marker}}"} } }
            """;
        await Fixture.PublishRawAsync(envelope, "application/vnd.masstransit+json");

        var kept = await Fixture.ErrorQueueMessageAsync(marker);

        Assert.Equal(envelope, kept.Body);
        Assert.False(string.IsNullOrEmpty(kept.Headers["MT-Fault-Message"]));
    }

    [Fact]
    public async Task Plain_json_without_an_envelope_is_accepted_from_other_languages()
    {
        var requestId = Guid.NewGuid();
        await Fixture.PublishRawAsync($$"""{"requestId":"{{requestId}}","request":{"model":"gemini-3.5-flash","input":"Hello from Python"} }""", "application/json");

        var events = await Fixture.Events.FinishedAsync(requestId);

        StreamAssert.WellFormed(events);
        Assert.Contains("Hello from Python", events.Single<InteractionCompleted>().OutputText, StringComparison.Ordinal);
    }

    private async Task AssertKeptInErrorQueueAsync(Guid requestId, string description)
    {
        var kept = await Fixture.ErrorQueueMessageAsync(requestId.ToString());
        using var envelope = JsonDocument.Parse(kept.Body);
        Assert.Equal(requestId, envelope.RootElement.GetProperty("message").GetProperty("requestId").GetGuid());
        Assert.True(kept.Headers.ContainsKey("MT-Fault-Message"), description);
        Assert.DoesNotContain(Fixture.Emulator.Requests, r => r.Body.Contains(requestId.ToString(), StringComparison.Ordinal));
    }
}
