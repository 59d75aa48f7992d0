using System.Text.Json;
using Messaging.Contracts;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Streaming;

/// <summary>One request per section of the seed guide, over the real broker: the bus carries every feature.</summary>
public sealed class SeedSectionTests(WorkerFixture fixture) : WorkerTest(fixture)
{
    [Fact]
    public async Task Section2_a_first_call_completes_with_steps_usage_and_output_text()
    {
        var events = await RunAsync("""{"model":"gemini-3.5-flash","input":"Explain how AI works in a few words"}""");

        StreamAssert.WellFormed(events);
        var completed = events.Single<InteractionCompleted>();
        Assert.Equal("completed", completed.Status);
        Assert.False(string.IsNullOrWhiteSpace(completed.OutputText));
        Assert.True(completed.Usage.GetProperty("total_tokens").GetInt64() > 0);
        Assert.Equal("thought", completed.Steps[0].GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(completed.Steps[0].GetProperty("signature").GetString()));
        Assert.Empty(completed.ContinuationIds);
        var started = events.Single<InteractionStarted>();
        Assert.Equal(Model, started.Model);
        Assert.Equal(completed.InteractionId, started.InteractionId);
        Assert.All(events.All.Select(Ids), ids => Assert.Equal((events.RequestId, events.RequestId, events.RequestId), ids));
        await StreamAssert.StepsEqualGetAsync(events, Fixture.Api, Ct);
    }

    [Fact]
    public async Task Section3_every_streamed_step_is_republished_in_order()
    {
        var events = await RunAsync("""{"model":"gemini-3.5-flash","input":"Explain how AI works","labels":{"emulator_chunks":"12"}}""");

        StreamAssert.WellFormed(events);
        Assert.True(events.Of<StepDelta>().Where(d => d.Text is not null).Sum(d => d.LastSequence - d.Sequence + 1) >= 12);
        Assert.All(events.Of<StepDelta>(), d => Assert.Equal(JsonValueKind.Object, d.Delta.ValueKind));
        Assert.Contains(events.Of<StepDelta>(), d => d.Delta.GetProperty("type").GetString() == "thought_signature");
        Assert.Equal(events.Of<StepStarted>().Select(s => s.Index), events.Of<StepCompleted>().Select(s => s.Index));
        await StreamAssert.StepsEqualGetAsync(events, Fixture.Api, Ct);
    }

    [Fact]
    public async Task Section4_stateful_turns_chain_with_previous_interaction_id()
    {
        var conversation = Guid.NewGuid();
        var first = await RunAsync("""{"model":"gemini-3.5-flash","input":"I have 2 dogs in my house."}""", conversation);
        var firstId = first.Single<InteractionCompleted>().InteractionId;

        var second = await RunAsync($$"""{"model":"gemini-3.5-flash","input":"How many paws are in my house?","previous_interaction_id":"{{firstId}}"}""", conversation);

        StreamAssert.WellFormed(second);
        var answer = second.Single<InteractionCompleted>();
        Assert.Equal(conversation, answer.ConversationId);
        Assert.NotEqual(firstId, answer.InteractionId);
        Assert.Equal(firstId, (await Fixture.Api.GetAsync(answer.InteractionId, cancellationToken: Ct)).PreviousInteractionId);
    }

    [Fact]
    public async Task Section4_a_stateless_history_from_the_bus_is_accepted_byte_for_byte()
    {
        var first = await RunAsync("""{"model":"gemini-3.5-flash","store":false,"input":[{"type":"user_input","content":[{"type":"text","text":"I have 2 dogs in my house."}]}]}""");
        var steps = first.Single<InteractionCompleted>().Steps;
        var history = string.Join(",", steps.EnumerateArray().Select(s => s.GetRawText()));

        // The emulator verifies every resent thought signature against what it issued: a changed byte is a 400.
        var second = await RunAsync($$"""
            {"model":"gemini-3.5-flash","store":false,"input":[
              {"type":"user_input","content":[{"type":"text","text":"I have 2 dogs in my house."}]},
              {{history}},
              {"type":"user_input","content":[{"type":"text","text":"How many paws are in my house?"}]}]}
            """);

        StreamAssert.WellFormed(second);
        Assert.Equal("completed", second.Single<InteractionCompleted>().Status);
    }

    [Fact]
    public async Task Section5_multimodal_inputs_pass_through_the_bus()
    {
        var image = new byte[3000];
        Random.Shared.NextBytes(image);
        var events = await RunAsync($$"""
            {"model":"gemini-3.5-flash","input":[
              {"type":"text","text":"Compare this local image and this remote audio file."},
              {"type":"image","data":"{{Convert.ToBase64String(image)}}","mime_type":"image/jpeg"},
              {"type":"audio","uri":"https://storage.googleapis.com/generativeai-downloads/data/sample.mp3","mime_type":"audio/mp3"}]}
            """);

        StreamAssert.WellFormed(events);
        var text = events.Single<InteractionCompleted>().OutputText;
        Assert.Contains("image/jpeg", text, StringComparison.Ordinal);
        Assert.Contains("3000", text, StringComparison.Ordinal);
        Assert.Contains("audio/mp3", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Section6_a_generated_image_reaches_consumers_intact()
    {
        var events = await RunAsync("""{"model":"gemini-3.1-flash-image","input":"Generate an image of a futuristic city skyline at sunset"}""");

        StreamAssert.WellFormed(events);
        var output = events.Of<StepCompleted>().Single(s => s.Step.GetProperty("type").GetString() == "model_output").Step;
        var image = output.GetProperty("content").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "image");
        Assert.Equal("image/png", image.GetProperty("mime_type").GetString());
        var png = Convert.FromBase64String(image.GetProperty("data").GetString()!);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Contains(events.Of<StepDelta>(), d => d.Delta.GetProperty("type").GetString() == "image");
        await StreamAssert.StepsEqualGetAsync(events, Fixture.Api, Ct);
    }

    [Fact]
    public async Task Section7_structured_output_arrives_whole_and_parses()
    {
        var events = await RunAsync("""
            {"model":"gemini-3.5-flash","input":"Give me a recipe for banana bread",
             "response_format":{"type":"text","mime_type":"application/json","schema":{"type":"object","properties":{
               "recipe_name":{"type":"string"},"ingredients":{"type":"array","items":{"type":"string"},"minItems":2},
               "difficulty":{"type":"string","enum":["easy","hard"]}},"required":["recipe_name","ingredients","difficulty"]}}}
            """);

        StreamAssert.WellFormed(events);
        using var recipe = JsonDocument.Parse(events.Single<InteractionCompleted>().OutputText!);
        Assert.Equal(JsonValueKind.String, recipe.RootElement.GetProperty("recipe_name").ValueKind);
        Assert.True(recipe.RootElement.GetProperty("ingredients").GetArrayLength() >= 2);
        Assert.True(recipe.RootElement.GetProperty("difficulty").GetString() is "easy" or "hard");
    }

    [Fact]
    public async Task Section8_search_steps_and_citations_are_carried_through()
    {
        var events = await RunAsync("""{"model":"gemini-3.5-flash","input":"Who won the euro 2024?","tools":[{"type":"google_search"}]}""");

        StreamAssert.WellFormed(events);
        var types = events.Of<StepCompleted>().Select(s => s.Step.GetProperty("type").GetString()).ToList();
        Assert.Contains("google_search_call", types);
        Assert.Contains("google_search_result", types);
        var text = events.Single<InteractionCompleted>().Steps.EnumerateArray()
            .Single(s => s.GetProperty("type").GetString() == "model_output")
            .GetProperty("content").EnumerateArray().First(b => b.GetProperty("type").GetString() == "text");
        var citation = text.GetProperty("annotations")[0];
        Assert.Equal("url_citation", citation.GetProperty("type").GetString());
        Assert.StartsWith("http", citation.GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.Contains(events.Of<StepDelta>(), d => d.Delta.GetProperty("type").GetString() == "text_annotation_delta");
        await StreamAssert.StepsEqualGetAsync(events, Fixture.Api, Ct);
    }

    [Fact]
    public async Task Section9_function_calls_go_out_to_executors_and_the_result_completes_the_turn()
    {
        const string Tools = """[{"type":"function","name":"get_current_temperature","description":"Gets the current temperature for a given location.","parameters":{"type":"object","properties":{"location":{"type":"string","description":"The city name"}},"required":["location"]}}]""";
        var turn = Guid.NewGuid();
        var events = await RunAsync($$"""{"model":"gemini-3.5-flash","input":"What is the temperature in London?","tools":{{Tools}}}""", turnId: turn);

        StreamAssert.WellFormed(events);
        var action = events.Single<InteractionRequiresAction>();
        var call = Assert.Single(action.Calls);
        Assert.Equal("get_current_temperature", call.Name);
        Assert.Equal("London", call.Arguments.GetProperty("location").GetString());
        var requested = events.Single<FunctionCallRequested>();
        Assert.Equal((call.CallId, call.Name, action.InteractionId, turn), (requested.CallId, requested.Name, requested.InteractionId, requested.TurnId));
        Assert.Contains(events.Of<StepDelta>(), d => d.Delta.GetProperty("type").GetString() == "arguments_delta");
        Assert.Contains(action.Steps.EnumerateArray(), s => s.GetProperty("type").GetString() == "function_call");
        await StreamAssert.StepsEqualGetAsync(events, Fixture.Api, Ct);

        var answer = await RunAsync($$"""
            {"model":"gemini-3.5-flash","previous_interaction_id":"{{action.InteractionId}}","tools":{{Tools}},
             "input":[{"type":"function_result","name":"get_current_temperature","call_id":"{{call.CallId}}","result":[{"type":"text","text":"{\"temperature\":\"22\"}"}]}]}
            """, turnId: turn);

        StreamAssert.WellFormed(answer);
        var completed = answer.Single<InteractionCompleted>();
        Assert.Equal(turn, completed.TurnId);
        Assert.Contains("22", completed.OutputText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Section10_an_agent_runs_in_a_remote_environment_and_reports_it()
    {
        var events = await RunAsync("""{"agent":"antigravity-preview-05-2026","environment":"remote","input":"Write a Python script that prints primes"}""");

        StreamAssert.WellFormed(events);
        var started = events.Single<InteractionStarted>();
        var completed = events.Single<InteractionCompleted>();
        Assert.Equal("antigravity-preview-05-2026", started.Agent);
        Assert.Null(started.Model);
        Assert.False(string.IsNullOrEmpty(completed.EnvironmentId));
        var fetched = await Fixture.Api.GetAsync(completed.InteractionId, cancellationToken: Ct);
        Assert.Equal(fetched.EnvironmentId, completed.EnvironmentId);
        Assert.Contains(events.Of<StepCompleted>(), s => s.Step.GetProperty("type").GetString()!.StartsWith("code_execution", StringComparison.Ordinal));
        await StreamAssert.StepsEqualGetAsync(events, Fixture.Api, Ct);
    }

    [Fact]
    public async Task Section11_a_background_run_publishes_status_changes_until_it_completes()
    {
        var events = await RunAsync("""{"model":"gemini-3.5-flash","input":"Write a detailed analysis of AI in healthcare","background":true,"labels":{"emulator_background_ms":"300"}}""");

        StreamAssert.WellFormed(events);
        Assert.Equal("in_progress", events.Single<InteractionStarted>().Status);
        Assert.Equal("completed", Assert.Single(events.Of<InteractionStatusChanged>()).Status);
        Assert.False(string.IsNullOrWhiteSpace(events.Single<InteractionCompleted>().OutputText));
        await StreamAssert.StepsEqualGetAsync(events, Fixture.Api, Ct);
        var creates = Fixture.Emulator.Requests.Where(r => r.Method == "POST" && r.Body.Contains("healthcare", StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain("\"stream\"", Assert.Single(creates).Body, StringComparison.Ordinal);
        Assert.Contains(Fixture.Emulator.Requests, r => r.Method == "GET" && r.QueryString.Contains("stream=true", StringComparison.Ordinal));
    }

    private static (Guid, Guid, Guid) Ids(object message) => message switch
    {
        InteractionStarted m => (m.RequestId, m.ConversationId, m.TurnId),
        StepStarted m => (m.RequestId, m.ConversationId, m.TurnId),
        StepDelta m => (m.RequestId, m.ConversationId, m.TurnId),
        StepCompleted m => (m.RequestId, m.ConversationId, m.TurnId),
        InteractionStatusChanged m => (m.RequestId, m.ConversationId, m.TurnId),
        InteractionCompleted m => (m.RequestId, m.ConversationId, m.TurnId),
        _ => throw new InvalidOperationException(message.GetType().Name),
    };
}
