using System.Text.Json.Nodes;
using Messaging.Cli.Requests;

namespace Messaging.Cli.Tests;

public class AskRequestBuilderTests
{
    [Fact]
    public void A_plain_prompt_is_the_seed_first_call()
    {
        var request = AskRequestBuilder.Build(new AskOptions { Prompt = "Explain how AI works" });

        Assert.Equal("""{"model":"gemini-3.5-flash","input":"Explain how AI works"}""", request.ToJson());
    }

    [Fact]
    public void Attachments_become_inline_blocks_with_their_mime_type()
    {
        var image = Path.Combine(Path.GetTempPath(), $"cli-test-{Guid.NewGuid():N}.png");
        File.WriteAllBytes(image, [1, 2, 3, 4]);
        try
        {
            var request = AskRequestBuilder.Build(new AskOptions { Prompt = "What is this?", Attachments = [new FileInfo(image)] });

            var input = request.Input!.AsArray();
            Assert.Equal("""{"type":"image","data":"AQIDBA==","mime_type":"image/png"}""", input[1]!.ToJsonString());
        }
        finally
        {
            File.Delete(image);
        }
    }

    [Fact]
    public void Unusable_options_are_explained()
    {
        var missing = Assert.Throws<ArgumentException>(() => AskRequestBuilder.Build(new AskOptions { Prompt = "x", Attachments = [new FileInfo("/nope/a.png")] }));
        Assert.Contains("not found", missing.Message, StringComparison.Ordinal);

        var odd = Path.Combine(Path.GetTempPath(), $"cli-test-{Guid.NewGuid():N}.xyz");
        File.WriteAllText(odd, "x");
        try
        {
            var unsupported = Assert.Throws<ArgumentException>(() => AskRequestBuilder.Build(new AskOptions { Prompt = "x", Attachments = [new FileInfo(odd)] }));
            Assert.Contains(".xyz", unsupported.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(odd);
        }

        var tool = Assert.Throws<ArgumentException>(() => AskRequestBuilder.Build(new AskOptions { Prompt = "x", Tools = ["web_magic"] }));
        Assert.Contains("google_search", tool.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_feature_option_lands_in_the_api_field()
    {
        var schema = Path.Combine(Path.GetTempPath(), $"cli-test-{Guid.NewGuid():N}.json");
        File.WriteAllText(schema, """{"type":"object","properties":{"a":{"type":"string"}}}""");
        try
        {
            var request = AskRequestBuilder.Build(new AskOptions
            {
                Prompt = "p",
                Agent = "antigravity-preview-05-2026",
                Environment = "remote",
                Previous = "v1_prev",
                Schema = new FileInfo(schema),
                Tools = ["google_search"],
                Background = true,
            });

            Assert.Equal("antigravity-preview-05-2026", request.Agent);
            Assert.Null(request.Model);
            Assert.Equal("remote", request.Environment!.GetValue<string>());
            Assert.Equal("v1_prev", request.PreviousInteractionId);
            Assert.Equal("application/json", request.ResponseFormat!["mime_type"]!.GetValue<string>());
            Assert.Equal("google_search", request.Tools![0]!["type"]!.GetValue<string>());
            Assert.True(request.Background);
        }
        finally
        {
            File.Delete(schema);
        }
    }

    [Fact]
    public void Stateless_turns_append_the_new_input_to_the_history()
    {
        var history = new List<JsonObject>
        {
            (JsonObject)JsonNode.Parse("""{"type":"user_input","content":"I have 2 dogs"}""")!,
            (JsonObject)JsonNode.Parse("""{"type":"thought","signature":"EvEF+/=="}""")!,
            (JsonObject)JsonNode.Parse("""{"type":"model_output","content":[{"type":"text","text":"Nice."}]}""")!,
        };

        var request = AskRequestBuilder.Build(new AskOptions { Prompt = "How many paws?", NoStore = true }, history);

        Assert.False(request.Store);
        Assert.Equal(
            """[{"type":"user_input","content":"I have 2 dogs"},{"type":"thought","signature":"EvEF+/=="},{"type":"model_output","content":[{"type":"text","text":"Nice."}]},{"type":"user_input","content":[{"type":"text","text":"How many paws?"}]}]""",
            Messaging.Interactions.Json.InteractionsJson.Serialize(request.Input));
    }
}
