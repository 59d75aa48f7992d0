using System.ComponentModel;
using System.Text.Json;
using Messaging.Client.Chat;
using Messaging.Client.Interactions;
using Messaging.Testing;
using Messaging.Worker.Tests.Quotas;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Worker.Tests.Client;

/// <summary>
/// <see cref="IChatClient"/> over the bus (<see cref="BusChatClient"/>), against a worker replica, the saga and the
/// emulator on the real broker: plain and streaming answers, structured output, an AIFunction tool run through the
/// saga's function loop, multi-turn by ConversationId, and a stateless history resent with its thought signatures intact
/// (the emulator refuses an altered one).
/// </summary>
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
public sealed class BusChatClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Plain_streaming_and_structured_answers_map_text_usage_and_finish_reason()
    {
        await using var rig = await StartRigAsync();
        await using var client = await ClientAsync(rig, "chat-plain");
        var chat = client.Services.GetRequiredService<IChatClient>();

        var response = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Explain how AI works")], new ChatOptions { Temperature = 0.3f, MaxOutputTokens = 400 }, Ct);
        Assert.False(string.IsNullOrWhiteSpace(response.Text));
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.True(response.Usage?.TotalTokenCount > 0);
        Assert.NotNull(response.ConversationId);
        Assert.Contains(response.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>(), r => !string.IsNullOrEmpty(r.ProtectedData));
        var sent = rig.Emulator.Requests.Last(r => r.Method == "POST" && r.Body.Contains("Explain how AI works", StringComparison.Ordinal)).Body;
        Assert.Contains("\"temperature\":0.3", sent, StringComparison.Ordinal);
        Assert.Contains("\"max_output_tokens\":400", sent, StringComparison.Ordinal);

        var updates = new List<ChatResponseUpdate>();
        var chunked = new ChatOptions { AdditionalProperties = new() { ["labels"] = new Dictionary<string, string> { ["emulator_chunks"] = "8", ["emulator_chunk_delay_ms"] = "40" } } };
        await foreach (var update in chat.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Tell me about rivers")], chunked, Ct)) updates.Add(update);
        var streamed = updates.ToChatResponse();
        var final = updates.Select(u => u.RawRepresentation).OfType<Messaging.Contracts.InteractionCompleted>().Single();
        Assert.Equal(final.OutputText, string.Concat(updates.SelectMany(u => u.Contents).OfType<TextContent>().Select(t => t.Text)));
        Assert.Equal(final.OutputText, streamed.Text);
        Assert.True(updates.Count(u => u.Contents.OfType<TextContent>().Any()) > 1, "the answer came in one piece, not streamed");

        var schema = JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string"},"population":{"type":"integer"}},"required":["city","population"]}""").RootElement;
        var structured = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "The largest city of Egypt, as JSON")],
            new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(schema, "city") }, Ct);
        using var answer = JsonDocument.Parse(structured.Text);
        Assert.Equal(JsonValueKind.String, answer.RootElement.GetProperty("city").ValueKind);
        Assert.Equal(JsonValueKind.Number, answer.RootElement.GetProperty("population").ValueKind);
    }

    [Fact]
    public async Task A_tool_runs_through_the_bus_a_conversation_id_round_trips_and_a_stateless_history_keeps_its_signatures()
    {
        await using var rig = await StartRigAsync();
        await using var client = await ClientAsync(rig, "chat-tools");
        var chat = client.Services.GetRequiredService<IChatClient>();

        var asked = new List<string>();
        var temperature = AIFunctionFactory.Create(([Description("The city")] string location) =>
        {
            asked.Add(location);
            return new { location, celsius = 21.5 };
        }, "get_current_temperature", "The current temperature in a city");
        var withTool = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "What is the temperature in Cairo?")], new ChatOptions { Tools = [temperature] }, Ct);
        Assert.Single(asked);
        var contents = withTool.Messages.SelectMany(m => m.Contents).ToList();
        Assert.Contains(contents, x => x is FunctionCallContent { Name: "get_current_temperature", InformationalOnly: true });
        Assert.Contains(contents, x => x is FunctionResultContent);
        Assert.Equal(ChatFinishReason.Stop, withTool.FinishReason);
        Assert.False(string.IsNullOrWhiteSpace(withTool.Text));

        // The conversation goes on by its id: the saga chains the turn from its last interaction.
        var first = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "I have 3 cats.")], cancellationToken: Ct);
        var next = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "How many paws are in my house?")], new ChatOptions { ConversationId = first.ConversationId }, Ct);
        Assert.Equal(first.ConversationId, next.ConversationId);
        Assert.Contains(rig.Emulator.Requests, r => r.Method == "POST" && r.Body.Contains("How many paws", StringComparison.Ordinal)
                                                     && r.Body.Contains("previous_interaction_id", StringComparison.Ordinal));

        // Stateless: the whole history each time, the model's steps resent as received; the emulator checks the signatures.
        var stateless = new ChatOptions { AdditionalProperties = new() { ["store"] = false } };
        List<ChatMessage> history = [new(ChatRole.User, "I have 2 dogs.")];
        var one = await chat.GetResponseAsync(history, stateless, Ct);
        history.AddRange(one.Messages);
        history.Add(new ChatMessage(ChatRole.User, "And how many paws do they have?"));
        var two = await chat.GetResponseAsync(history, stateless, Ct);
        Assert.Equal(ChatFinishReason.Stop, two.FinishReason);
        var resent = rig.Emulator.Requests.Last(r => r.Method == "POST" && r.Body.Contains("how many paws do they have", StringComparison.Ordinal)).Body;
        var signature = one.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>().Single().ProtectedData!;
        using var body = JsonDocument.Parse(resent);
        var thoughts = body.RootElement.GetProperty("input").EnumerateArray().Where(step => step.GetProperty("type").GetString() == "thought").ToList();
        Assert.Equal(signature, thoughts[0].GetProperty("signature").GetString()); // and the emulator, which checks it, took it
    }

    [Fact]
    public async Task Search_steps_citations_and_generated_images_come_as_their_own_content_types()
    {
        await using var rig = await StartRigAsync();
        await using var client = await ClientAsync(rig, "chat-search");
        var chat = client.Services.GetRequiredService<IChatClient>();

        var grounded = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Who won the “Euro 2024” final?")], new ChatOptions { Tools = [new HostedWebSearchTool()] }, Ct);
        var contents = grounded.Messages.SelectMany(m => m.Contents).ToList();
        var search = Assert.Single(contents.OfType<WebSearchToolCallContent>());
        Assert.Contains("Euro 2024", Assert.Single(search.Queries!), StringComparison.Ordinal);
        var found = Assert.Single(contents.OfType<WebSearchToolResultContent>());
        Assert.Equal(search.CallId, found.CallId);
        Assert.Equal("text/html", Assert.IsType<DataContent>(Assert.Single(found.Outputs!)).MediaType);
        var citations = contents.SelectMany(c => c.Annotations ?? []).OfType<CitationAnnotation>().ToList();
        Assert.Equal(2, citations.Count);
        var first = (TextSpanAnnotatedRegion)citations[0].AnnotatedRegions!.Single();
        // The region is in characters of the response's text (the API's are UTF-8 bytes, and the quotes take three each).
        var cited = grounded.Text[first.StartIndex!.Value..first.EndIndex!.Value];
        Assert.StartsWith($"According to {citations[0].Title}", cited, StringComparison.Ordinal);
        Assert.EndsWith(".", cited, StringComparison.Ordinal);
        Assert.Equal("https", citations[0].Url!.Scheme);

        var drawn = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Draw a cat on a windowsill")], new ChatOptions { ModelId = "gemini-3.1-flash-image" }, Ct);
        var image = Assert.Single(drawn.Messages.SelectMany(m => m.Contents).OfType<DataContent>());
        Assert.StartsWith("image/", image.MediaType, StringComparison.Ordinal);
        Assert.True(image.Data.Length > 0);
    }

    [Fact]
    public async Task Cancelling_a_streamed_answer_stops_it()
    {
        await using var rig = await StartRigAsync();
        await using var client = await ClientAsync(rig, "chat-cancel");
        var chat = client.Services.GetRequiredService<IChatClient>();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var options = new ChatOptions { AdditionalProperties = new() { ["labels"] = new Dictionary<string, string> { ["emulator_chunks"] = "200", ["emulator_chunk_delay_ms"] = "100" } } };

        var pieces = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in chat.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Tell me a long story")], options, cancel.Token))
                if (update.Contents.OfType<TextContent>().Any() && ++pieces == 2) await cancel.CancelAsync();
        });
        Assert.Equal(2, pieces);
    }

    private static Task<QuotaRig> StartRigAsync() => QuotaRig.StartAsync(1, [], new()
    {
        ["Conversations:Enabled"] = "true",
        ["Conversations:TableName"] = $"conversations_{Guid.NewGuid():N}"[..28],
    });

    private static Task<TestBus> ClientAsync(QuotaRig rig, string name) =>
        TestBus.StartAsync(rig.BrokerUrl, rig.Prefix, [], _ => { }, x => x.AddInteractionsBus(o =>
        {
            o.ClientName = rig.Prefix + name;
            o.InstanceName = "test";
        }));
}
