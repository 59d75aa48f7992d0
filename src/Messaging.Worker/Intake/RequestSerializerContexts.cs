using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using MassTransit;
using MassTransit.Serialization;
using Messaging.Contracts;

namespace Messaging.Worker.Intake;

/// <summary>An enveloped message of the work queue: MassTransit's context, except that the request is read in place.</summary>
internal sealed class EnvelopeRequestSerializerContext(JsonSerializerOptions options, MessageContext messageContext, string[] messageTypes,
    MessageEnvelope envelope)
    : SystemTextJsonSerializerContext(SystemTextJsonMessageSerializer.Instance, options, SystemTextJsonMessageSerializer.JsonContentType,
        messageContext, messageTypes, envelope)
{
    private InteractionRequested? _request;

    public override bool TryGetMessage<T>(out T? message) where T : class
    {
        if (typeof(T) != typeof(InteractionRequested) || !IsSupportedMessageType<T>()) return base.TryGetMessage(out message);
        message = (T?)(object?)(_request ??= RequestMessageReader.Read(Message));
        return message is not null;
    }

    public override bool TryGetMessage(Type messageType, [NotNullWhen(true)] out object? message)
    {
        if (messageType != typeof(InteractionRequested)) return base.TryGetMessage(messageType, out message);
        var read = TryGetMessage(out InteractionRequested? request);
        message = request;
        return read;
    }
}

/// <summary>A plain-JSON message of the work queue: MassTransit's raw context, except that the request is read in place.</summary>
internal sealed class RawRequestSerializerContext(JsonSerializerOptions options, MessageContext messageContext, string[] messageTypes, JsonElement message)
    : SystemTextJsonRawSerializerContext(SystemTextJsonMessageSerializer.Instance, options, SystemTextJsonRawMessageSerializer.JsonContentType,
        messageContext, messageTypes, RawSerializerOptions.AnyMessageType, message)
{
    private InteractionRequested? _request;

    public override bool TryGetMessage<T>(out T? message) where T : class
    {
        if (typeof(T) != typeof(InteractionRequested) || !IsSupportedMessageType<T>()) return base.TryGetMessage(out message);
        message = (T?)(object?)(_request ??= RequestMessageReader.Read(Message));
        return message is not null;
    }

    public override bool TryGetMessage(Type messageType, [NotNullWhen(true)] out object? message)
    {
        if (messageType != typeof(InteractionRequested)) return base.TryGetMessage(messageType, out message);
        var read = TryGetMessage(out InteractionRequested? request);
        message = request;
        return read;
    }
}
