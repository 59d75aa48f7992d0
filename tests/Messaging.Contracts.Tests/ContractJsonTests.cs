using System.Text.Json;

namespace Messaging.Contracts.Tests;

public class ContractJsonTests
{
    // MassTransit's System.Text.Json serializer writes our own members camelCase, like the Web defaults.
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    [Fact]
    public void Nested_api_json_is_written_back_with_its_original_bytes()
    {
        const string json = """{"requestId":"5b0c6a34-82a8-4c1e-9d55-2d8a0b3f1c11","conversationId":null,"turnId":null,"request":{"model":"gemini-3.5-flash","input":[{"type":"thought","signature":"Ev+/\u00d7=="},{"type":"function_call","id":"c1","name":"f","arguments":{"amount":500.00,"note":"\u00e9"}}]},"tenant":null,"replyTo":null}""";

        var message = JsonSerializer.Deserialize<InteractionRequested>(json, Options)!;

        Assert.Equal(json, JsonSerializer.Serialize(message, Options));
    }

    [Fact]
    public void Our_own_members_are_camel_case_and_ids_are_uuid_strings()
    {
        var delta = new StepDelta
        {
            RequestId = Guid.Parse("5b0c6a34-82a8-4c1e-9d55-2d8a0b3f1c11"),
            ConversationId = Guid.Parse("9e41aa4b-5f1c-4c63-8c2a-0b7f43e5d201"),
            TurnId = Guid.Parse("5b0c6a34-82a8-4c1e-9d55-2d8a0b3f1c11"),
            InteractionId = "v1_Chd",
            Index = 1,
            Sequence = 7,
            LastSequence = 7,
            EventId = "e9",
            Delta = JsonDocument.Parse("""{"type":"text","text":"works "}""").RootElement,
            Text = "works ",
        };

        var json = JsonSerializer.Serialize(delta, Options);

        Assert.Equal("""{"requestId":"5b0c6a34-82a8-4c1e-9d55-2d8a0b3f1c11","conversationId":"9e41aa4b-5f1c-4c63-8c2a-0b7f43e5d201","turnId":"5b0c6a34-82a8-4c1e-9d55-2d8a0b3f1c11","interactionId":"v1_Chd","index":1,"sequence":7,"lastSequence":7,"eventId":"e9","delta":{"type":"text","text":"works "},"text":"works "}""", json);
    }

    [Fact]
    public void Absent_api_json_is_written_as_null()
    {
        var json = JsonSerializer.Serialize(new StepCompleted { Step = JsonDocument.Parse("{}").RootElement }, Options);

        Assert.Contains("\"usage\":null", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Function_calls_keep_their_arguments()
    {
        const string json = """{"callId":"call_abc123","name":"get_current_temperature","arguments":{"location":"London"}}""";

        var call = JsonSerializer.Deserialize<FunctionCall>(json, Options)!;

        Assert.Equal(json, JsonSerializer.Serialize(call, Options));
    }
}
