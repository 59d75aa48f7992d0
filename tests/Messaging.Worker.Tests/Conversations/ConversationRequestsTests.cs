using System.Text.Json;
using Messaging.Contracts;
using Messaging.Worker.Conversations;

namespace Messaging.Worker.Tests.Conversations;

/// <summary>The create bodies the saga builds: API JSON spliced as raw text, so every resent step keeps its bytes.</summary>
public sealed class ConversationRequestsTests
{
    [Fact]
    public void A_template_keeps_every_member_but_the_per_request_ones_in_their_order()
    {
        var template = ConversationRequests.Template(Parse("""{"model":"m","input":"hi","stream":true,"tools":[1],"previous_interaction_id":"v1","store":false}"""));

        Assert.Equal("""{"model":"m","tools":[1],"store":false}""", template);
        Assert.True(ConversationRequests.IsStateless(template));
    }

    [Fact]
    public void A_request_nested_as_deep_as_the_worker_accepts_is_followed_through_every_turn()
    {
        // A 126-level response_format schema inside the request: the worker accepts 128 levels, so the saga must too.
        var schema = string.Concat(Enumerable.Repeat("""{"type":"object","properties":{"p":""", 62)) + "{}" + string.Concat(Enumerable.Repeat("} }", 62));
        var request = Parse($$"""{"model":"m","input":[{"type":"text","text":"hi"}],"store":false,"response_format":{"schema":{{schema}} } }""");

        var template = ConversationRequests.Template(request);
        var merged = ConversationRequests.Merge(template, Parse("""{"temperature":0}"""));
        var history = ConversationRequests.Concat(ConversationRequests.InputSteps(request.GetProperty("input")), "[]");

        Assert.True(ConversationRequests.IsStateless(template));
        Assert.Equal(JsonValueKind.Object, ConversationRequests.WithHistory(merged, history).ValueKind);
        Assert.Equal(JsonValueKind.Object, ConversationRequests.Chained(merged, "\"next\"", "v1").ValueKind);
    }

    [Fact]
    public void Overrides_replace_members_a_null_removes_one_and_a_model_replaces_an_agent()
    {
        var merged = ConversationRequests.Merge("""{"agent":"a","tools":[1],"system_instruction":"be brief"}""",
            Parse("""{"model":"m2","tools":[2],"input":"ignored","system_instruction":null}"""));

        Assert.Equal("""{"model":"m2","tools":[2]}""", merged);
    }

    [Theory]
    [InlineData("\"Hello\"", """[{"type":"user_input","content":[{"type":"text","text":"Hello"}]}]""")]
    [InlineData("""{"type":"text","text":"Hi"}""", """[{"type":"user_input","content":[{"type":"text","text":"Hi"}]}]""")]
    [InlineData("""[{"type":"image","uri":"u"}]""", """[{"type":"user_input","content":[{"type":"image","uri":"u"}]}]""")]
    [InlineData("""[{"type":"user_input","content":"x"},{"type":"model_output","content":[]}]""", """[{"type":"user_input","content":"x"},{"type":"model_output","content":[]}]""")]
    public void Every_input_form_becomes_a_list_of_steps(string input, string steps) =>
        Assert.Equal(steps, ConversationRequests.InputSteps(Parse(input)));

    [Fact]
    public void A_stateful_request_chains_and_a_stateless_one_carries_the_history_byte_for_byte()
    {
        var step = """{"type":"thought","signature":"AbC\u002B/=="}""";
        var chained = ConversationRequests.Chained("""{"model":"m"}""", "\"next\"", "v1_last");
        var stateless = ConversationRequests.WithHistory("""{"model":"m","store":true}""", ConversationRequests.Concat("[" + step + "]", "[1]"));

        Assert.Equal("""{"model":"m","input":"next","previous_interaction_id":"v1_last"}""", chained.GetRawText());
        Assert.Equal("""{"model":"m","store":false,"input":[""" + step + ",1]}", stateless.GetRawText());
    }

    [Fact]
    public void A_result_step_names_its_call_and_marks_errors()
    {
        var step = ConversationRequests.ResultStep(new FunctionResultSubmitted
        {
            CallId = "call_1", Result = Parse("""[{"type":"text","text":"22"}]"""), IsError = true,
        }, "get_current_temperature");

        Assert.Equal("""{"type":"function_result","call_id":"call_1","name":"get_current_temperature","result":[{"type":"text","text":"22"}],"is_error":true}""", step);
    }

    private static JsonElement Parse(string json) => JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 }).RootElement.Clone();
}
