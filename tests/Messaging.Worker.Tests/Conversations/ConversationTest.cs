using System.Text.Json;
using Messaging.Contracts;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Conversations;

/// <summary>Base of the saga tests: requests with function tools, and reading what the emulator received.</summary>
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
[Collection(ConversationTests.Name)]
public abstract class ConversationTest(ConversationFixture fixture)
{
    protected static readonly string[] FunctionNames = ["get_current_temperature", "get_local_time", "get_wind_speed"];

    protected ConversationFixture Fixture { get; } = fixture;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A create body with <paramref name="functions"/> function tools and a tag that finds its requests at the emulator.</summary>
    protected static string Request(string input, int functions, bool stateless, string tag, int rounds = 1) =>
        $$$"""
        {"model":"gemini-3.5-flash","input":{{{JsonSerializer.Serialize(input)}}},{{{(stateless ? "\"store\":false," : "")}}}
         "tools":[{{{string.Join(",", FunctionNames.Take(functions).Select(Tool))}}}],
         "labels":{"test_tag":"{{{tag}}}","emulator_function_rounds":"{{{rounds}}}"}}
        """;

    private static string Tool(string name) =>
        $$$"""{"type":"function","name":"{{{name}}}","description":"Gets {{{name.Replace('_', ' ')}}} for a location.","parameters":{"type":"object","properties":{"location":{"type":"string","description":"The city name"}},"required":["location"]}}""";

    /// <summary>The create bodies the emulator received for a tagged conversation, in order.</summary>
    protected IReadOnlyList<JsonElement> EmulatorBodies(string tag) =>
        Fixture.Emulator.Requests
            .Where(r => r.Method == "POST" && r.Path.EndsWith("/interactions", StringComparison.Ordinal) && r.Body.Contains(tag, StringComparison.Ordinal))
            .OrderBy(r => r.ReceivedAt)
            .Select(r => JsonDocument.Parse(r.Body).RootElement.Clone())
            .ToList();

    /// <summary>Answers every call of the conversation's <paramref name="round"/>-th requires_action, last call first.</summary>
    protected async Task<InteractionRequiresAction> AnswerRoundAsync(Guid conversation, int round)
    {
        var events = await Fixture.Events.WaitAsync(conversation, e =>
        {
            var actions = e.Of<InteractionRequiresAction>();
            return actions.Count >= round && e.Of<FunctionCallRequested>().Count(c => c.InteractionId == actions[round - 1].InteractionId) == actions[round - 1].Calls.Count;
        }, $"round {round} of function calls");
        var action = events.Of<InteractionRequiresAction>()[round - 1];
        foreach (var call in action.Calls.Reverse())
            await Fixture.SubmitAsync(conversation, action.InteractionId, call.CallId, AutoExecutor.ResultFor(call.Name, call.CallId), Ct);
        return action;
    }

    protected static string[] Raw(JsonElement array) => array.EnumerateArray().Select(e => e.GetRawText()).ToArray();
}
