using System.Net.Mime;
using MassTransit;
using MassTransit.Serialization;
using Messaging.Worker.Streaming;

namespace Messaging.Worker.Intake;

/// <summary>Registers <see cref="RequestDeserializer"/> for both formats of the work queue.</summary>
internal sealed class RequestDeserializerFactory(bool envelope, LargeMessageMemory? largeMessages) : ISerializerFactory
{
    public ContentType ContentType => envelope ? SystemTextJsonMessageSerializer.JsonContentType : SystemTextJsonRawMessageSerializer.JsonContentType;

    public IMessageSerializer CreateSerializer() => envelope
        ? SystemTextJsonMessageSerializer.Instance
        : new SystemTextJsonRawMessageSerializer(RawSerializerOptions.AnyMessageType);

    public IMessageDeserializer CreateDeserializer() => new RequestDeserializer(envelope, largeMessages);
}
