using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Messaging.Worker.Publishing;

/// <summary>
/// The MassTransit <c>messageId</c> of a stream's event, derived from the request, its attempt and what the event is
/// (a name-based UUID: SHA-256, version 8 layout): the replica that resumes a stream publishes the same event with the same id,
/// so a consumer (or MassTransit's inbox) recognises a replay as the message it already has.
/// </summary>
internal static class EventMessageId
{
    /// <summary>The id of the event <paramref name="key"/> (e.g. <c>step-started:2</c>) of one attempt of a request.</summary>
    public static Guid For(Guid requestId, int attempt, string key)
    {
        Span<byte> input = stackalloc byte[20 + Encoding.UTF8.GetMaxByteCount(key.Length)];
        requestId.TryWriteBytes(input);
        BinaryPrimitives.WriteInt32BigEndian(input[16..], attempt);
        var length = 20 + Encoding.UTF8.GetBytes(key, input[20..]);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input[..length], hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16]);
    }
}
