using System.Net.Mime;
using System.Runtime.CompilerServices;
using System.Runtime.Serialization;
using System.Text.Json;
using MassTransit;
using MassTransit.Serialization;
using Messaging.Worker.Streaming;

namespace Messaging.Worker.Intake;

/// <summary>
/// Reads the messages of the work queue, its poison queue and the saga's queue (MassTransit envelope or plain JSON) with
/// the body parsed once. MassTransit's own readers copy a request four times before the consumer sees it: the delivery
/// into an array, that into a <see cref="JsonElement"/>, the envelope's <c>message</c> into another, and the request
/// member cloned by its converter. Here the body becomes one <see cref="JsonDocument"/> over the delivered bytes where
/// RabbitMQ.Client put them (<see cref="DeliveredBytes"/>: not even MassTransit's array of them), and the consumer's
/// <see cref="Messaging.Contracts.InteractionRequested.Request"/> is an element of it (<see cref="RequestMessageReader"/>). The document ends with the garbage collector.
/// Hand-written because no MassTransit reader keeps the request where it was read.
/// Everything else — headers, other message types, failures — reads as MassTransit reads it, from the same document:
/// what cannot be read throws a <see cref="SerializationException"/> for the error pipe (<see cref="RequestIntake"/>).
/// </summary>
internal sealed class RequestDeserializer(bool envelope, LargeMessageMemory? largeMessages = null) : IMessageDeserializer
{
    private readonly IMessageDeserializer _stock = envelope
        ? SystemTextJsonMessageSerializer.Instance
        : new SystemTextJsonRawMessageSerializer(RawSerializerOptions.AnyMessageType);

    public ContentType ContentType => envelope ? SystemTextJsonMessageSerializer.JsonContentType : SystemTextJsonRawMessageSerializer.JsonContentType;

    public void Probe(ProbeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var scope = context.CreateScope("json");
        scope.Add("contentType", ContentType.MediaType);
        scope.Add("provider", "Messaging.Worker.RequestDeserializer");
    }

    public ConsumeContext Deserialize(ReceiveContext receiveContext)
    {
        ArgumentNullException.ThrowIfNull(receiveContext);
        largeMessages?.DeliveryRead(receiveContext.Body.Length ?? 0); // its buffer is given back with the heap after a burst
        return new BodyConsumeContext(receiveContext, Deserialize(receiveContext.Body, receiveContext.TransportHeaders, receiveContext.InputAddress));
    }

    public SerializerContext Deserialize(MessageBody body, Headers headers, Uri? destinationAddress = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(headers);
        if (body is JsonMessageBody) return _stock.Deserialize(body, headers, destinationAddress); // already objects (in-memory transports)
        try
        {
            var options = SystemTextJsonMessageSerializer.Options;
            var bytes = DeliveredBytes(body);
            if (!envelope)
            {
                var message = bytes.Length > 0 ? Parse(bytes, options).RootElement : JsonDocument.Parse("{}").RootElement;
                return new RawRequestSerializerContext(options, new RawMessageContext(headers, destinationAddress, RawSerializerOptions.AnyMessageType),
                    headers.GetMessageTypes(), message);
            }

            var root = Parse(bytes, options).RootElement;
            var read = root.Deserialize<MessageEnvelope>(RequestMessageReader.WithoutLargeMembers)
                ?? throw new SerializationException("Message envelope not found");
            if (read is JsonMessageEnvelope json) json.Message = RequestMessageReader.Member(root, "message");
            var messageContext = new EnvelopeMessageContext(read, SystemTextJsonMessageSerializer.Instance);
            return new EnvelopeRequestSerializerContext(options, messageContext, read.MessageType ?? [], read);
        }
        catch (SerializationException)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw new SerializationException("An error occured while deserializing the message envelope", ex);
        }
    }

    public MessageBody GetMessageBody(string text) => new StringMessageBody(text);

    /// <summary>
    /// The delivered bytes where they lie. RabbitMQ's body is RabbitMQ.Client's buffer of the delivery (MassTransit wraps
    /// it as a <see cref="MemoryMessageBody"/> and would copy it into an array of its own on the first read), which stays
    /// valid until the delivery is handled: MassTransit awaits the whole consume, settlement included, before the client
    /// takes the buffer back. So nothing read from it may outlive its delivery — what the saga keeps, and what goes on to
    /// other queues, is written out while the message is consumed. Other bodies are read as arrays.
    /// </summary>
    internal static ReadOnlyMemory<byte> DeliveredBytes(MessageBody body) =>
        body is MemoryMessageBody memory ? MemoryOf(memory) : body.GetBytes();

    // MassTransit 8.5 keeps the memory it was given in this field and offers it only as a copy.
    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_memory")]
    private static extern ref readonly ReadOnlyMemory<byte> MemoryOf(MemoryMessageBody body);

    // Reads the bytes where they are (JsonDocument.Parse over memory keeps no copy of its own); the document ends with the
    // garbage collector.
    private static JsonDocument Parse(ReadOnlyMemory<byte> bytes, JsonSerializerOptions options) =>
        JsonDocument.Parse(bytes, new JsonDocumentOptions
        {
            AllowTrailingCommas = options.AllowTrailingCommas,
            CommentHandling = options.ReadCommentHandling,
            MaxDepth = options.MaxDepth,
        });
}
