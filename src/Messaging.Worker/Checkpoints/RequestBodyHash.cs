using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;

namespace Messaging.Worker.Checkpoints;

/// <summary>The hash that tells a duplicate of a request (same body) from a reused requestId (another body).</summary>
internal static class RequestBodyHash
{
    private const int SegmentBytes = 64 * 1024;

    /// <summary>
    /// SHA-256 of the body written compactly (as <see cref="JsonElement.WriteTo"/> writes it with the default writer):
    /// whitespace does not count, members' order and values do. Written token by token into the hash, long strings in
    /// segments, so a 15 MB inline image is hashed through a 64 KiB buffer instead of a copy of up to six times its size
    /// (the default encoder's worst case, which the writer reserves for one string).
    /// </summary>
    public static string Of(JsonElement request)
    {
        using var hash = new HashingBufferWriter();
        using (var writer = new Utf8JsonWriter(hash))
        {
            var reader = new Utf8JsonReader(JsonMarshal.GetRawUtf8Value(request), new JsonReaderOptions { MaxDepth = 1_000_000 });
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject: writer.WriteStartObject(); break;
                    case JsonTokenType.EndObject: writer.WriteEndObject(); break;
                    case JsonTokenType.StartArray: writer.WriteStartArray(); break;
                    case JsonTokenType.EndArray: writer.WriteEndArray(); break;
                    case JsonTokenType.PropertyName: writer.WritePropertyName(reader.GetString()!); break;
                    case JsonTokenType.String: WriteString(writer, ref reader); break;
                    case JsonTokenType.Number: writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true); break;
                    case JsonTokenType.True: writer.WriteBooleanValue(true); break;
                    case JsonTokenType.False: writer.WriteBooleanValue(false); break;
                    case JsonTokenType.Null: writer.WriteNullValue(); break;
                }
                if (writer.BytesPending > SegmentBytes) writer.Flush();
            }
        }
        return Convert.ToHexStringLower(hash.Finish());
    }

    private static void WriteString(Utf8JsonWriter writer, ref Utf8JsonReader reader)
    {
        if (reader.ValueSpan.Length <= SegmentBytes)
        {
            writer.WriteStringValue(reader.GetString());
            return;
        }
        // Long: unescaped once (pooled), then written in segments, each escaped exactly as the whole would be.
        byte[]? rented = null;
        var value = reader.ValueSpan;
        if (reader.ValueIsEscaped)
        {
            rented = ArrayPool<byte>.Shared.Rent(value.Length);
            value = rented.AsSpan(0, reader.CopyString(rented));
        }
        try
        {
            for (var at = 0; at < value.Length; at += SegmentBytes)
            {
                var segment = value.Slice(at, Math.Min(SegmentBytes, value.Length - at));
                writer.WriteStringValueSegment(segment, isFinalSegment: at + segment.Length >= value.Length);
                writer.Flush();
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Feeds what is written into SHA-256 through one pooled buffer.</summary>
    private sealed class HashingBufferWriter : IBufferWriter<byte>, IDisposable
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(SegmentBytes * 8);

        public void Advance(int count) => _hash.AppendData(_buffer, 0, count);

        public Memory<byte> GetMemory(int sizeHint = 0) => Reserve(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => Reserve(sizeHint).Span;

        public byte[] Finish() => _hash.GetHashAndReset();

        public void Dispose()
        {
            _hash.Dispose();
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        private Memory<byte> Reserve(int sizeHint)
        {
            if (sizeHint > _buffer.Length)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = ArrayPool<byte>.Shared.Rent(sizeHint);
            }
            return _buffer;
        }
    }
}
