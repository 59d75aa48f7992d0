using System.Text;
using System.Text.Json.Nodes;
using Messaging.Interactions.Models;
using Messaging.Interactions.Models.Contents;
using Messaging.Interactions.Models.Deltas;
using Messaging.Interactions.Models.Steps;
using Messaging.Interactions.Streaming;
using Messaging.Interactions.Tests.Support;
using NJsonSchema;

namespace Messaging.Interactions.Tests.Client;

/// <summary>The client against the emulator, one test (or a few) per section of the seed guide.</summary>
public class SeedSectionTests(EmulatorFixture fixture) : IClassFixture<EmulatorFixture>
{
    private const string Model = "gemini-3.5-flash";
    private readonly IInteractionsClient _client = fixture.Client;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Section2_a_first_call_returns_thought_and_answer_with_usage()
    {
        var interaction = await _client.CreateAsync(CreateInteractionRequest.ForModel(Model, "Explain how AI works in a few words"), Ct);

        Assert.Equal(InteractionStatus.Completed, interaction.Status);
        Assert.StartsWith("v1_", interaction.Id, StringComparison.Ordinal);
        Assert.Equal("interaction", interaction.Json["object"]!.GetValue<string>());
        Assert.IsType<ThoughtStep>(interaction.Steps[0]);
        Assert.False(string.IsNullOrEmpty(((ThoughtStep)interaction.Steps[0]).Signature));
        Assert.False(string.IsNullOrWhiteSpace(interaction.OutputText));
        Assert.True(interaction.Usage!.TotalTokens > 0);

        var request = fixture.Emulator.Requests.Last(r => r.Method == "POST");
        Assert.Equal("test-key", request.Headers.First(h => h.Key.Equals("x-goog-api-key", StringComparison.OrdinalIgnoreCase)).Value);
        Assert.Equal("/v1beta/interactions", request.Path);
    }

    [Fact]
    public async Task Section3_a_stream_arrives_in_the_documented_order_and_accumulates_to_what_get_returns()
    {
        var events = new List<InteractionEvent>();
        var accumulator = new InteractionAccumulator();
        var text = new StringBuilder();
        await foreach (var e in _client.CreateStreamAsync(CreateInteractionRequest.ForModel(Model, "Explain how AI works"), Ct))
        {
            events.Add(e);
            accumulator.Apply(e);
            if (e is StepDeltaEvent { Delta: TextDelta t }) text.Append(t.Text);
        }

        Assert.IsType<InteractionCreatedEvent>(events[0]);
        Assert.IsType<InteractionCompletedEvent>(events[^1]);
        Assert.All(events, e => Assert.False(string.IsNullOrEmpty(e.EventId)));
        Assert.Equal(events.Count, events.Select(e => e.EventId).Distinct().Count());
        Assert.Contains(events, e => e is StepDeltaEvent);
        var streamed = accumulator.ToInteraction();
        var fetched = await _client.GetAsync(streamed.Id, cancellationToken: Ct);
        AssertSameSteps(fetched, streamed);
        Assert.Equal(fetched.OutputText, text.ToString());
        Assert.Equal(fetched.Usage!.TotalTokens, streamed.Usage!.TotalTokens);
    }

    [Fact]
    public async Task Section4_stateful_turns_chain_with_previous_interaction_id()
    {
        var first = await _client.CreateAsync(CreateInteractionRequest.ForModel(Model, "I have 2 dogs in my house."), Ct);
        var second = CreateInteractionRequest.ForModel(Model, "How many paws are in my house?");
        second.PreviousInteractionId = first.Id;

        var answer = await _client.CreateAsync(second, Ct);

        Assert.Equal(InteractionStatus.Completed, answer.Status);
        Assert.NotEqual(first.Id, answer.Id);
        Assert.Equal(first.Id, (await _client.GetAsync(answer.Id, cancellationToken: Ct)).PreviousInteractionId);
    }

    [Fact]
    public async Task Section4_stateless_history_resent_exactly_as_received_is_accepted_and_a_tampered_one_is_not()
    {
        var history = new List<Step> { Step.UserInput("I have 2 dogs in my house.") };
        var first = new CreateInteractionRequest { Model = Model, Store = false }.WithInput(history);
        var firstAnswer = await _client.CreateAsync(first, Ct);
        history.AddRange(firstAnswer.Steps);
        history.Add(Step.UserInput("How many paws are in my house?"));

        var second = await _client.CreateAsync(new CreateInteractionRequest { Model = Model, Store = false }.WithInput(history), Ct);
        Assert.Equal(InteractionStatus.Completed, second.Status);
        await Assert.ThrowsAsync<InteractionsApiException>(() => _client.GetAsync(second.Id, cancellationToken: Ct));

        var thought = history.OfType<ThoughtStep>().First();
        var tampered = history.Select(s => s == thought ? Step.Parse(s.ToJson().Replace(thought.Signature!, "X" + thought.Signature![1..], StringComparison.Ordinal)) : s);
        var error = await Assert.ThrowsAsync<InteractionsApiException>(() =>
            _client.CreateAsync(new CreateInteractionRequest { Model = Model, Store = false }.WithInput(tampered), Ct));
        Assert.Equal((400, "INVALID_ARGUMENT"), ((int)error.StatusCode, error.ErrorStatus));
        Assert.Equal(1, error.Attempts);
    }

    [Fact]
    public async Task Section5_multimodal_inputs_reach_the_model()
    {
        var image = new byte[1234];
        Random.Shared.NextBytes(image);
        var request = new CreateInteractionRequest { Model = Model }.WithInput(
            Content.FromText("Compare this local image and this remote audio file."),
            Content.Inline("image", image, "image/jpeg"),
            Content.FromUri("audio", "https://storage.googleapis.com/generativeai-downloads/data/sample.mp3", "audio/mp3"));

        var interaction = await _client.CreateAsync(request, Ct);

        Assert.Contains("image/jpeg", interaction.OutputText, StringComparison.Ordinal);
        Assert.Contains("1234", interaction.OutputText, StringComparison.Ordinal);
        Assert.Contains("audio/mp3", interaction.OutputText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Section6_an_image_model_returns_a_png()
    {
        var request = new CreateInteractionRequest { Model = "gemini-3.1-flash-image" }
            .WithInput(Content.FromText("Generate an image of a futuristic city skyline at sunset"));

        var interaction = await _client.CreateAsync(request, Ct);

        var image = interaction.OutputImage;
        Assert.NotNull(image);
        Assert.Equal("image/png", image.MimeType);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, image.GetBytes()![..8]);
    }

    [Fact]
    public async Task Section7_structured_output_conforms_to_the_schema()
    {
        var schema = JsonNode.Parse("""
            {"type":"object","properties":{
               "recipe_name":{"type":"string"},
               "ingredients":{"type":"array","items":{"type":"string"},"minItems":2},
               "prep_time_minutes":{"type":"integer"},
               "difficulty":{"type":"string","enum":["easy","hard"]},
               "nutrition":{"type":"object","properties":{"kcal":{"type":"number"}},"required":["kcal"]}},
             "required":["recipe_name","ingredients","difficulty","nutrition"]}
            """)!;
        var request = CreateInteractionRequest.ForModel(Model, "Give me a recipe for banana bread");
        request.ResponseFormat = new JsonObject { ["type"] = "text", ["mime_type"] = "application/json", ["schema"] = schema };

        var interaction = await _client.CreateAsync(request, Ct);

        var validator = await JsonSchema.FromJsonAsync(schema.ToJsonString(), Ct);
        Assert.Empty(validator.Validate(interaction.OutputText!));
    }

    [Fact]
    public async Task Section8_google_search_adds_search_steps_and_citations()
    {
        var request = CreateInteractionRequest.ForModel(Model, "Who won the euro 2024?").AddTool(new JsonObject { ["type"] = "google_search" });

        var interaction = await _client.CreateAsync(request, Ct);

        var call = Assert.Single(interaction.Steps.OfType<GoogleSearchCallStep>());
        Assert.Equal(call.Id, Assert.Single(interaction.Steps.OfType<GoogleSearchResultStep>()).CallId);
        var text = interaction.Steps.OfType<ModelOutputStep>().SelectMany(s => s.Content).OfType<TextContent>().First();
        var citation = Assert.IsType<UrlCitation>(text.Annotations[0]);
        var bytes = Encoding.UTF8.GetBytes(text.Text);
        Assert.InRange(citation.EndIndex!.Value, citation.StartIndex!.Value + 1, bytes.Length);
    }

    [Fact]
    public async Task Section9_the_function_loop_runs_stateful()
    {
        var request = WeatherRequest();
        var first = await _client.CreateAsync(request, Ct);
        Assert.Equal(InteractionStatus.RequiresAction, first.Status);
        var call = Assert.Single(first.FunctionCalls);
        Assert.Equal("get_current_temperature", call.Name);
        Assert.Equal("London", call.Arguments!["location"]!.GetValue<string>());

        var next = new CreateInteractionRequest { Model = Model, PreviousInteractionId = first.Id, Tools = request.Tools }
            .WithInput([Step.FunctionResult(call.Id, call.Name, new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "{\"temperature\":\"22\"}" }))]);
        var answer = await _client.CreateAsync(next, Ct);

        Assert.Equal(InteractionStatus.Completed, answer.Status);
        Assert.Contains("22", answer.OutputText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Section9_the_function_loop_runs_stateless_and_streams_arguments()
    {
        var request = WeatherRequest();
        request.Store = false;
        var accumulator = new InteractionAccumulator();
        await foreach (var e in _client.CreateStreamAsync(request, Ct)) accumulator.Apply(e);
        var first = accumulator.ToInteraction();
        Assert.Equal(InteractionStatus.RequiresAction, first.Status);
        var call = Assert.Single(first.FunctionCalls);
        Assert.Equal("London", call.Arguments!["location"]!.GetValue<string>());

        var history = new List<Step> { Step.UserInput("What is the temperature in London?") };
        history.AddRange(first.Steps);
        history.Add(Step.FunctionResult(call.Id, call.Name, JsonValue.Create("{\"temperature\":\"22\"}")));
        var next = new CreateInteractionRequest { Model = Model, Store = false, Tools = request.Tools }.WithInput(history);
        var answer = await _client.CreateAsync(next, Ct);

        Assert.Equal(InteractionStatus.Completed, answer.Status);
        Assert.Contains("22", answer.OutputText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Section10_an_agent_in_a_remote_environment_reports_its_environment_id()
    {
        var request = CreateInteractionRequest.ForAgent("antigravity-preview-05-2026", "Write a Python script that prints primes");
        request.Environment = JsonValue.Create("remote");

        var interaction = await _client.CreateAsync(request, Ct);

        Assert.Equal("antigravity-preview-05-2026", interaction.Agent);
        Assert.False(string.IsNullOrEmpty(interaction.EnvironmentId));
    }

    [Fact]
    public async Task Section11_background_runs_are_polled_to_completion_then_deleted()
    {
        var request = CreateInteractionRequest.ForModel(Model, "Write a detailed analysis of AI in healthcare");
        request.Background = true;
        request.Labels = new JsonObject { ["emulator_background_ms"] = "300" };

        var started = await _client.CreateAsync(request, Ct);
        Assert.Equal(InteractionStatus.InProgress, started.Status);
        var current = started;
        while (!current.Status.IsFinal)
        {
            await Task.Delay(50, Ct);
            current = await _client.GetAsync(started.Id, cancellationToken: Ct);
        }
        Assert.Equal(InteractionStatus.Completed, current.Status);
        Assert.False(string.IsNullOrEmpty(current.OutputText));

        await _client.DeleteAsync(started.Id, Ct);
        var gone = await Assert.ThrowsAsync<InteractionsApiException>(() => _client.GetAsync(started.Id, cancellationToken: Ct));
        Assert.Equal(404, (int)gone.StatusCode);
    }

    [Fact]
    public async Task Section11_a_running_background_interaction_can_be_cancelled()
    {
        var request = CreateInteractionRequest.ForModel(Model, "A long task");
        request.Background = true;
        request.Labels = new JsonObject { ["emulator_background_ms"] = "60000" };
        var started = await _client.CreateAsync(request, Ct);

        var cancelled = await _client.CancelAsync(started.Id, Ct);

        Assert.Equal(InteractionStatus.Cancelled, cancelled.Status);
        var again = await Assert.ThrowsAsync<InteractionsApiException>(() => _client.CancelAsync(started.Id, Ct));
        Assert.Equal(400, (int)again.StatusCode);
    }

    [Fact]
    public async Task A_get_stream_resumes_after_the_given_event()
    {
        var all = new List<InteractionEvent>();
        await foreach (var e in _client.CreateStreamAsync(CreateInteractionRequest.ForModel(Model, "Tell me about resuming"), Ct)) all.Add(e);
        var id = ((InteractionCreatedEvent)all[0]).Interaction.Id;
        var resumeAfter = all[3].EventId;

        var resumed = new List<InteractionEvent>();
        await foreach (var e in _client.GetStreamAsync(id, resumeAfter, cancellationToken: Ct)) resumed.Add(e);

        Assert.Equal(all.Skip(4).Select(e => e.EventId), resumed.Select(e => e.EventId));
    }

    [Fact]
    public async Task Get_with_include_input_returns_the_input()
    {
        var created = await _client.CreateAsync(CreateInteractionRequest.ForModel(Model, "Echo my input"), Ct);

        var fetched = await _client.GetAsync(created.Id, includeInput: true, Ct);

        Assert.Equal("Echo my input", fetched.Json["input"]!.GetValue<string>());
        Assert.IsType<UserInputStep>(fetched.Steps[0]);
    }

    private static CreateInteractionRequest WeatherRequest() =>
        CreateInteractionRequest.ForModel(Model, "What is the temperature in London?")
            .AddFunction("get_current_temperature", "Gets the current temperature for a given location.",
                (JsonObject)JsonNode.Parse("""{"type":"object","properties":{"location":{"type":"string","description":"The city name"}},"required":["location"]}""")!);

    internal static void AssertSameSteps(Interaction fetched, Interaction streamed)
    {
        var generated = fetched.Steps.SkipWhile(s => s is UserInputStep or FunctionResultStep).ToList();
        Assert.Equal(generated.Count, streamed.Steps.Count);
        for (var i = 0; i < generated.Count; i++)
            Assert.True(JsonNode.DeepEquals(generated[i].Json, streamed.Steps[i].Json),
                $"step {i}: GET {generated[i].ToJson()} vs stream {streamed.Steps[i].ToJson()}");
    }
}
