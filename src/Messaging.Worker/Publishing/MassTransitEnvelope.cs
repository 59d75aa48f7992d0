using System.Buffers;
using System.Text.Json;
using MassTransit;
using MassTransit.Serialization;

namespace Messaging.Worker.Publishing;

/// <summary>
/// Writes a message in MassTransit's JSON envelope (content type <see cref="ContentType"/>), as MassTransit's own
/// serializer would: <c>messageId</c>, <c>messageType</c> (the message's URNs), <c>message</c> (serialized with
/// MassTransit's serializer options, so camelCase and our API JSON converters apply), <c>sentTime</c>,
/// <c>headers</c>. MassTransit consumers read it as if MassTransit had published it; consumers in other languages
/// read <c>message</c> as before. The writer and its buffer are reused per thread: one publish allocates nothing
/// beyond the serialized message.
/// </summary>
internal static class MassTransitEnvelope
{
    public const string ContentType = "application/vnd.masstransit+json";

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    /// <summary>
    /// Serializes the envelope into a buffer rented from <see cref="ArrayPool{T}.Shared"/>; the caller returns it.
    /// </summary>
    public static (byte[] Rented, int Length) Rent<T>(Guid messageId, T message, DateTime sentTime) where T : class
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        writer.Reset(buffer);

        writer.WriteStartObject();
        writer.WriteString("messageId", messageId);
        writer.WriteStartArray("messageType");
        foreach (var urn in MessageTypeCache<T>.MessageTypeNames) writer.WriteStringValue(urn);
        writer.WriteEndArray();
        writer.WritePropertyName("message");
        JsonSerializer.Serialize(writer, message, SystemTextJsonMessageSerializer.Options);
        writer.WriteString("sentTime", sentTime);
        writer.WriteStartObject("headers");
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.Flush();

        var written = buffer.WrittenSpan;
        var rented = ArrayPool<byte>.Shared.Rent(written.Length);
        written.CopyTo(rented);
        if (buffer.Capacity > 1024 * 1024) t_buffer = null; // one huge message does not pin a huge buffer to the thread
        return (rented, written.Length);
    }
}
