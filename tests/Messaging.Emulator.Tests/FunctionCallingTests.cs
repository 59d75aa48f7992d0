using System.Text.Json.Nodes;
using Messaging.Emulator.Tests.Support;
using static Messaging.Emulator.Tests.Support.Interactions;

namespace Messaging.Emulator.Tests;

/// <summary>Seed section 9: function calling, stateful and stateless, rounds and parallel calls.</summary>
public sealed class FunctionCallingTests
{
    private const string ResultText = """{"location": "London", "temperature": "22", "unit": "celsius"}""";

    [Fact]
    public async Task Requires_action_with_a_thought_and_a_call_whose_arguments_come_from_the_question()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var response = await emulator.CreateAsync(WithWeatherTool(Ask("What is the temperature in London?")));

        response.ShouldBeOk();
        Assert.Equal("requires_action", (string?)response.Object["status"]);
        Assert.Equal(["thought", "function_call"], response.Steps.Select(s => (string)s!["type"]!));
        Assert.False(string.IsNullOrEmpty((string?)response.Steps[0]!["signature"]));
        var call = response.Steps[1]!;
        Assert.StartsWith("call_", (string)call["id"]!, StringComparison.Ordinal);
        Assert.Equal("get_current_temperature", (string?)call["name"]);
        Assert.Equal("""{"location":"London"}""", call["arguments"]!.ToJsonString());
    }

    [Fact]
    public async Task Answers_with_the_function_result_in_the_stateful_loop()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var first = await emulator.CreateRawAsync(
            """{"model":"gemini-3.5-flash","input":"What is the temperature in London?","tools":[{"type":"function","name":"get_current_temperature","parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}],"previous_interaction_id":null}""");
        var call = first.Steps.Single(s => (string?)s!["type"] == "function_call")!.AsObject();
        var second = WithWeatherTool(Body("gemini-3.5-flash", new JsonArray(FunctionResult(call, ResultText))));
        second["previous_interaction_id"] = first.Id;

        var answer = await emulator.CreateAsync(second);

        answer.ShouldBeOk();
        Assert.Equal("completed", (string?)answer.Object["status"]);
        Assert.DoesNotContain(answer.Steps, s => (string?)s!["type"] == "function_call");
        Assert.Contains("get_current_temperature returned", answer.OutputText, StringComparison.Ordinal);
        Assert.Contains("temperature 22", answer.OutputText, StringComparison.Ordinal);
        Assert.Contains("What is the temperature in London?", answer.OutputText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calls_every_declared_function_in_parallel()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = WithWeatherTool(Ask("What is the weather and the local time in Tokyo?"));
        body["tools"]!.AsArray().Add(JsonNode.Parse("""
            {"type":"function","name":"get_local_time","parameters":{"type":"object","properties":{"city":{"type":"string"},"format":{"type":"string","enum":["12h","24h"]}},"required":["city"]}}
            """));

        var response = await emulator.CreateAsync(body);

        var calls = response.Steps.Where(s => (string?)s!["type"] == "function_call").ToList();
        Assert.Equal(["get_current_temperature", "get_local_time"], calls.Select(c => (string)c!["name"]!));
        Assert.Equal(2, calls.Select(c => (string)c!["id"]!).Distinct().Count());
        Assert.Equal("Tokyo", (string?)calls[0]!["arguments"]!["location"]);
        Assert.Equal("Tokyo", (string?)calls[1]!["arguments"]!["city"]);
    }

    [Fact]
    public async Task Runs_as_many_rounds_as_emulator_function_rounds_says()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var statuses = new List<string>();
        var input = (JsonNode)"What is the temperature in London?";
        string? previous = null;
        while (statuses.Count < 10)
        {
            var body = WithWeatherTool(Body("gemini-3.5-flash", input));
            body["previous_interaction_id"] = previous;
            body["labels"] = new JsonObject { ["emulator_function_rounds"] = "3" };
            var response = await emulator.CreateAsync(body);
            statuses.Add((string)response.Object["status"]!);
            var calls = response.Steps.Where(s => (string?)s!["type"] == "function_call").ToList();
            if (calls.Count == 0)
            {
                break;
            }

            input = new JsonArray(calls.Select(c => (JsonNode)FunctionResult(c!.AsObject(), ResultText)).ToArray());
            previous = response.Id;
        }

        Assert.Equal(["requires_action", "requires_action", "requires_action", "completed"], statuses);
    }

    [Fact]
    public async Task Runs_the_stateless_loop_with_the_seed_s_history_shape()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var history = new JsonArray(new JsonObject { ["type"] = "user_input", ["content"] = "What is the temperature in London?" });
        ApiResponse response;
        do
        {
            var body = WithWeatherTool(Body("gemini-3.5-flash", history.DeepClone()));
            body["store"] = false;
            response = await emulator.CreateAsync(body);
            response.ShouldBeOk();
            foreach (var step in response.Steps)
            {
                history.Add(step!.DeepClone());
                if ((string?)step["type"] == "function_call")
                {
                    history.Add(FunctionResult(step.AsObject(), ResultText));
                }
            }
        }
        while ((string?)response.Object["status"] == "requires_action");

        Assert.Equal("completed", (string?)response.Object["status"]);
        Assert.Contains("temperature 22", response.OutputText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rejects_a_function_result_for_a_call_the_model_did_not_make()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var first = await emulator.CreateAsync(WithWeatherTool(Ask("What is the temperature in London?")));
        var wrong = new JsonObject { ["type"] = "function_call", ["id"] = "call_unknown", ["name"] = "get_current_temperature" };
        var second = WithWeatherTool(Body("gemini-3.5-flash", new JsonArray(FunctionResult(wrong, ResultText))));
        second["previous_interaction_id"] = first.Id;

        var response = await emulator.CreateAsync(second);

        response.ShouldBeError(400, "INVALID_ARGUMENT");
        Assert.Contains("call_unknown", response.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quotes_an_error_result_as_an_error()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var first = await emulator.CreateAsync(WithWeatherTool(Ask("What is the temperature in Atlantis?")));
        var call = first.Steps.Single(s => (string?)s!["type"] == "function_call")!.AsObject();
        var result = new JsonObject { ["type"] = "function_result", ["call_id"] = call["id"]!.DeepClone(), ["result"] = "unknown city", ["is_error"] = true };
        var second = Body("gemini-3.5-flash", new JsonArray(result));
        second["previous_interaction_id"] = first.Id;

        var answer = await emulator.CreateAsync(second);

        Assert.Contains("get_current_temperature reported an error: unknown city", answer.OutputText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answers_without_calling_when_tool_choice_is_none()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = WithWeatherTool(Ask("What is the temperature in London?"));
        body["generation_config"] = new JsonObject { ["tool_choice"] = "none" };

        var response = await emulator.CreateAsync(body);

        Assert.Equal("completed", (string?)response.Object["status"]);
        Assert.DoesNotContain(response.Steps, s => (string?)s!["type"] == "function_call");
    }

    private static JsonObject WithWeatherTool(JsonObject body)
    {
        body["tools"] = new JsonArray(WeatherTool());
        return body;
    }
}
