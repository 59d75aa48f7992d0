using System.Text.Json.Nodes;
using Messaging.Emulator.Tests.Support;

namespace Messaging.Emulator.Tests;

/// <summary>Create bodies the API rejects with 400 INVALID_ARGUMENT and a message naming the field.</summary>
public sealed class ValidationTests
{
    [Theory]
    [InlineData("""{"model":"gemini-3.5-flash","input":"hi",}""", "Invalid JSON payload")]
    [InlineData("""{"model":"gemini-3.5-flash","input":""" , "Invalid JSON payload")]
    [InlineData("""[1,2]""", "Invalid JSON payload")]
    [InlineData("""{"model":"gemini-3.5-flash","model":"x","input":"hi"}""", "Invalid JSON payload")]
    [InlineData("""{"model":"gemini-3.5-flash","agent":"antigravity-preview-05-2026","input":"hi"}""", "'model' or 'agent'")]
    [InlineData("""{"input":"hi"}""", "'model' or 'agent'")]
    [InlineData("""{"model":"","input":"hi"}""", "'model'")]
    [InlineData("""{"model":"gemini-3.5-flash"}""", "'input'")]
    [InlineData("""{"model":"gemini-3.5-flash","input":null}""", "'input'")]
    [InlineData("""{"model":"gemini-3.5-flash","input":""}""", "'input'")]
    [InlineData("""{"model":"gemini-3.5-flash","input":[]}""", "'input'")]
    [InlineData("""{"model":"gemini-3.5-flash","input":42}""", "'input'")]
    [InlineData("""{"model":"gemini-3.5-flash","input":[{"type":"sticker","data":"AA=="}]}""", "input[0].type")]
    [InlineData("""{"model":"gemini-3.5-flash","input":[{"type":"user_input","content":"hi"},{"type":"model_thinking"}]}""", "input[1].type")]
    [InlineData("""{"model":"gemini-3.5-flash","input":[{"type":"text","text":"hi"},{"type":"user_input","content":"x"}]}""", "input[1].type")]
    [InlineData("""{"model":"gemini-3.5-flash","input":[{"type":"text","text":"look"},{"type":"image","mime_type":"image/png"}]}""", "input[1]")]
    [InlineData("""{"model":"gemini-3.5-flash","input":[{"type":"image","data":"not base64!","mime_type":"image/png"}]}""", "input[0].data")]
    [InlineData("""{"model":"gemini-3.5-flash","input":[{"type":"image","data":"AA==","uri":"https://x/y.png"}]}""", "input[0]")]
    [InlineData("""{"model":"gemini-3.5-flash","input":[{"type":"image","data":"AA==","mime_type":"audio/mp3"}]}""", "input[0].mime_type")]
    [InlineData("""{"model":"gemini-3.5-flash","input":[{"type":"text"}]}""", "input[0].text")]
    [InlineData("""{"model":"gemini-3.5-flash","input":[{"type":"user_input","content":[{"type":"audio"}]}]}""", "input[0].content[0]")]
    [InlineData("""{"model":"gemini-3.5-flash","input":[{"type":"user_input","content":"hi"},{"type":"function_result","result":"x"}]}""", "input[1].call_id")]
    [InlineData("""{"model":"gemini-3.5-flash","input":"hi","labels":{"Team":"x"}}""", "'labels' key 'Team'")]
    [InlineData("""{"model":"gemini-3.5-flash","input":"hi","labels":{"team":"Mixed Case"}}""", "'labels.team'")]
    [InlineData("""{"model":"gemini-3.5-flash","input":"hi","labels":{"team":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}""", "'labels.team'")]
    [InlineData("""{"model":"gemini-3.5-flash","input":"hi","labels":{"team":7}}""", "'labels.team'")]
    [InlineData("""{"model":"gemini-3.5-flash","input":"hi","labels":["x"]}""", "'labels'")]
    [InlineData("""{"agent":"antigravity-preview-05-2026","input":"hi","generation_config":{}}""", "'generation_config'")]
    [InlineData("""{"model":"gemini-3.5-flash","input":"hi","agent_config":{"type":"dynamic"}}""", "'agent_config'")]
    [InlineData("""{"model":"gemini-3.5-flash","input":"hi","background":true,"store":false}""", "'background'")]
    [InlineData("""{"model":"gemini-3.5-flash","input":"hi","stream":"yes"}""", "'stream'")]
    [InlineData("""{"model":"gemini-3.5-flash","input":"hi","tools":[{"type":"teleport"}]}""", "tools[0].type")]
    [InlineData("""{"model":"gemini-3.5-flash","input":"hi","tools":[{"type":"function","name":"bad name"}]}""", "tools[0].name")]
    [InlineData("""{"model":"gemini-3.5-flash","input":"hi","tools":[{"type":"function","name":"f"},{"type":"function","name":"f"}]}""", "tools[1].name")]
    [InlineData("""{"model":"gemini-3.5-flash","input":"hi","system_instruction":{"text":"x"}}""", "'system_instruction'")]
    [InlineData("""{"model":"gemini-3.5-flash","input":"hi","generation_config":{"tool_choice":"sometimes"}}""", "tool_choice")]
    [InlineData("""{"model":"gemini-3.5-flash","input":"hi","previous_interaction_idd":"v1_x"}""", "previous_interaction_idd")]
    [InlineData("""{"model":"gemini-3.5-flash","input":"hi","service_tier":"gold"}""", "'service_tier'")]
    [InlineData("""{"model":"gemini-3.5-flash","input":"hi","environment":42}""", "'environment'")]
    public async Task Rejects_an_invalid_create_body_naming_the_problem(string body, string named)
    {
        await using var emulator = await TestEmulator.StartAsync();

        var response = await emulator.CreateRawAsync(body);

        response.ShouldBeError(400, "INVALID_ARGUMENT");
        Assert.Contains(named, response.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rejects_an_empty_body()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var response = await emulator.CreateRawAsync(string.Empty);

        response.ShouldBeError(400, "INVALID_ARGUMENT");
    }

    [Fact]
    public async Task Treats_null_fields_as_absent()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var response = await emulator.CreateRawAsync(
            """{"model":"gemini-3.5-flash","agent":null,"input":"hi","tools":null,"stream":null,"store":null,"background":null,"labels":null,"previous_interaction_id":null,"system_instruction":null,"response_format":null}""");

        response.ShouldBeOk();
        Assert.Equal("completed", (string?)response.Object["status"]);
    }

    [Fact]
    public async Task Accepts_every_input_form()
    {
        await using var emulator = await TestEmulator.StartAsync();
        string[] inputs =
        [
            "\"hi\"",
            """{"type":"text","text":"hi"}""",
            """[{"type":"text","text":"hi"},{"type":"text","text":"there"}]""",
            """[{"type":"user_input","content":"hi"}]""",
            """[{"type":"user_input","content":[{"type":"text","text":"hi"}]}]""",
        ];

        foreach (var input in inputs)
        {
            var response = await emulator.CreateRawAsync($$"""{"model":"gemini-3.5-flash","input":{{input}}}""");
            Assert.True(response.Status == 200, $"{input}: {response.Body}");
        }
    }

    [Fact]
    public async Task Accepts_known_optional_fields()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = JsonNode.Parse("""
            {"model":"gemini-3.5-flash","input":"hi","safety_settings":[{"type":"harassment","threshold":"block_none"}],"service_tier":"flex",
             "webhook_config":{"uris":["https://example.com/hook"]},"generation_config":{"temperature":0.2,"max_output_tokens":100,"thinking_level":"low"},
             "response_modalities":["text"],"response_mime_type":"text/plain"}
            """)!.AsObject();

        (await emulator.CreateAsync(body)).ShouldBeOk();
    }
}
