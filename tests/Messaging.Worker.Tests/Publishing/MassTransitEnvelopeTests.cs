using System.Buffers;
using System.Text;
using System.Text.Json;
using MassTransit;
using MassTransit.Serialization;
using Messaging.Contracts;
using Messaging.Worker.Publishing;

namespace Messaging.Worker.Tests.Publishing;

/// <summary>The envelope the direct publisher writes is one MassTransit's own serializer reads as the same message.</summary>
public sealed class MassTransitEnvelopeTests
{
    private const string RawDelta = """{"type":"text","text":"h\u00e9 \"quoted\" \ud83d\ude00","extra":{"z":1,"a":[1.50,2]}}""";

    private static readonly StepDelta Message = new()
    {
        RequestId = Guid.NewGuid(), ConversationId = Guid.NewGuid(), TurnId = Guid.NewGuid(), InteractionId = "v1_abc",
        Index = 2, Sequence = 7, LastSequence = 9, EventId = "evt_9", Delta = JsonDocument.Parse(RawDelta).RootElement.Clone(),
        Text = "hé \"quoted\" 😀",
    };

    [Fact]
    public void MassTransit_reads_the_envelope_as_the_same_message_with_the_api_json_byte_for_byte()
    {
        var messageId = NewId.NextGuid();
        var body = Envelope(messageId, Message);

        var context = SystemTextJsonMessageSerializer.Instance.Deserialize(new BytesMessageBody(body), EmptyHeaders.Instance);

        Assert.Equal(messageId, context.MessageId);
        Assert.True(context.TryGetMessage<StepDelta>(out var read));
        Assert.Equal(RawDelta, read!.Delta.GetRawText());
        Assert.Equal(Message with { Delta = default }, read with { Delta = default });
    }

    [Fact]
    public void The_envelope_names_the_message_type_as_MassTransit_does_and_carries_the_message_in_camel_case()
    {
        using var envelope = JsonDocument.Parse(Envelope(Guid.NewGuid(), Message));
        var root = envelope.RootElement;

        Assert.Equal(["urn:message:Messaging.Contracts:StepDelta"], root.GetProperty("messageType").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(Message.RequestId, root.GetProperty("message").GetProperty("requestId").GetGuid());
        Assert.Equal(9, root.GetProperty("message").GetProperty("lastSequence").GetInt64());
        Assert.Equal(JsonValueKind.String, root.GetProperty("sentTime").ValueKind);
    }

    [Fact]
    public void A_message_larger_than_the_reused_buffer_is_written_whole()
    {
        var text = new string('x', 3 * 1024 * 1024);
        var large = Message with { Text = text };

        var read = JsonDocument.Parse(Envelope(Guid.NewGuid(), large)).RootElement.GetProperty("message").GetProperty("text").GetString();
        var small = JsonDocument.Parse(Envelope(Guid.NewGuid(), Message)).RootElement.GetProperty("message").GetProperty("text").GetString();

        Assert.Equal(text, read);
        Assert.Equal(Message.Text, small);
    }

    private static byte[] Envelope<T>(Guid messageId, T message) where T : class
    {
        var (rented, length) = MassTransitEnvelope.Rent(messageId, message, DateTime.UtcNow);
        try
        {
            var copy = rented.AsSpan(0, length).ToArray();
            _ = Encoding.UTF8.GetString(copy); // valid UTF-8
            return copy;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
