using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Serialization;
using System.Text;
using System.Text.Json;
using MassTransit;
using MassTransit.Serialization;
using Messaging.Contracts;
using Messaging.Worker.Intake;

namespace Messaging.Worker.Tests.Intake;

/// <summary>
/// The work queue's reader: the same message MassTransit's own readers make (names in any case, headers, failures), but
/// with the request read where it lies in the delivered bytes instead of copied out of them.
/// </summary>
public sealed class RequestDeserializerTests
{
    private static readonly Guid Id = Guid.Parse("3f2c8e4a-1b7d-4c9e-8a5f-0d6e2b1c7a90");
    private static readonly Guid MessageId = Guid.Parse("0b5a3c1e-9d2f-4e7a-b8c6-1f0e9d8c7b6a");
    private const string Request = """{"model":"gemini-3.5-flash","input":[{"type":"text","text":"caf\u00e9 \uD83D\uDE00"},{"type":"image","mime_type":"image/png","data":"iVBORw0KGgo="}],"temperature":0.70}""";

    [Fact]
    public void An_envelope_reads_as_MassTransit_reads_it_with_the_request_in_the_delivered_bytes()
    {
        var body = Bytes($$"""{"messageId":"{{MessageId}}","messageType":["urn:message:Messaging.Contracts:InteractionRequested"],"headers":{"tenant":"a"},"message":{"requestId":"{{Id}}","conversationId":"{{MessageId}}","request":{{Request}} } }""");

        var ours = Read(new RequestDeserializer(envelope: true), body);
        var stock = Read(SystemTextJsonMessageSerializer.Instance, body);

        Assert.Equal(stock.Message, ours.Message with { Request = stock.Message.Request });
        Assert.Equal(Request, Raw(ours.Message.Request));
        Assert.Equal(Raw(stock.Message.Request), Raw(ours.Message.Request));
        Assert.True(Within(body, ours.Message.Request), "the request is the delivered bytes, not a copy");
        Assert.False(Within(body, stock.Message.Request));
        Assert.Equal(MessageId, ours.Context.MessageId);
        Assert.Equal("a", ours.Context.Headers.Get<string>("tenant"));
    }

    [Fact]
    public void A_delivery_is_read_where_the_broker_client_put_it_without_MassTransits_copy()
    {
        // RabbitMQ.Client's buffer is larger than the delivery (it is rented): MassTransit's first read would copy it out.
        var delivered = Bytes($$"""{"messageType":["urn:message:Messaging.Contracts:InteractionRequested"],"message":{"requestId":"{{Id}}","request":{{Request}} } }""");
        var buffer = new byte[delivered.Length + 100];
        delivered.CopyTo(buffer, 10);
        var body = new MemoryMessageBody(buffer.AsMemory(10, delivered.Length));

        var context = new RequestDeserializer(envelope: true).Deserialize(body, EmptyHeaders.Instance);
        Assert.True(context.TryGetMessage<InteractionRequested>(out var message));

        Assert.True(Within(buffer, message!.Request), "the request is read from the broker client's buffer, not a copy");
        Assert.Equal(Request, Raw(message.Request));
    }

    [Fact]
    public void Plain_json_reads_as_MassTransit_reads_it_names_in_any_case()
    {
        var body = Bytes($$"""{"RequestId":"{{Id}}","TURNID":"{{MessageId}}","Request":{{Request}} }""");

        var ours = Read(new RequestDeserializer(envelope: false), body);
        var stock = Read(new SystemTextJsonRawMessageSerializer(RawSerializerOptions.AnyMessageType), body);

        Assert.Equal(Id, ours.Message.RequestId);
        Assert.Equal(MessageId, ours.Message.TurnId);
        Assert.Equal(stock.Message, ours.Message with { Request = stock.Message.Request });
        Assert.Equal(Request, Raw(ours.Message.Request));
        Assert.True(Within(body, ours.Message.Request));
    }

    [Fact]
    public void A_request_that_is_not_an_object_or_is_missing_reads_as_before()
    {
        var nullRequest = Read(new RequestDeserializer(envelope: false), Bytes($$"""{"requestId":"{{Id}}","request":null}"""));
        var missing = Read(new RequestDeserializer(envelope: false), Bytes($$"""{"requestId":"{{Id}}"}"""));

        Assert.Equal(JsonValueKind.Null, nullRequest.Message.Request.ValueKind);
        Assert.Equal(JsonValueKind.Undefined, missing.Message.Request.ValueKind);
    }

    [Fact]
    public void A_member_of_the_wrong_type_fails_where_MassTransit_fails_it()
    {
        var body = Bytes($$"""{"messageType":["urn:message:Messaging.Contracts:InteractionRequested"],"message":{"requestId":"{{Id}}","conversationId":7,"request":{{Request}} } }""");

        var context = new RequestDeserializer(envelope: true).Deserialize(new BytesMessageBody(body), EmptyHeaders.Instance);

        Assert.Throws<JsonException>(() => context.TryGetMessage<InteractionRequested>(out _));
    }

    [Fact]
    public void What_is_not_an_envelope_or_not_json_is_a_serialization_failure()
    {
        var deserializer = new RequestDeserializer(envelope: true);

        Assert.Throws<SerializationException>(() => deserializer.Deserialize(new BytesMessageBody(Bytes("""{"messageType":["urn:message:Messaging.Contracts:InteractionRequested"]}""")), EmptyHeaders.Instance));
        Assert.Throws<SerializationException>(() => deserializer.Deserialize(new BytesMessageBody(Bytes("""{"message":""")), EmptyHeaders.Instance));
        Assert.Throws<SerializationException>(() => deserializer.Deserialize(new BytesMessageBody(Bytes("null")), EmptyHeaders.Instance));
    }

    [Fact]
    public void An_envelope_of_another_type_is_not_read_as_a_request()
    {
        var body = Bytes($$"""{"messageType":["urn:message:Messaging.Contracts:CancelInteraction"],"message":{"requestId":"{{Id}}"} }""");

        var context = new RequestDeserializer(envelope: true).Deserialize(new BytesMessageBody(body), EmptyHeaders.Instance);

        Assert.False(context.TryGetMessage<InteractionRequested>(out _));
        Assert.True(context.TryGetMessage<CancelInteraction>(out var cancel));
        Assert.Equal(Id, cancel!.RequestId);
    }

    private static (InteractionRequested Message, SerializerContext Context) Read(IMessageDeserializer deserializer, byte[] body)
    {
        var context = deserializer.Deserialize(new BytesMessageBody(body), EmptyHeaders.Instance);
        Assert.True(context.TryGetMessage<InteractionRequested>(out var message));
        return (message!, context);
    }

    private static byte[] Bytes(string json) => Encoding.UTF8.GetBytes(json);

    private static string Raw(JsonElement element) => Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8Value(element));

    private static bool Within(byte[] body, JsonElement element)
    {
        var offset = Unsafe.ByteOffset(ref MemoryMarshal.GetArrayDataReference(body), ref MemoryMarshal.GetReference(JsonMarshal.GetRawUtf8Value(element)));
        return offset >= 0 && offset < body.Length;
    }
}
