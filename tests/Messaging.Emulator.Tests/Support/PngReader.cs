using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Messaging.Emulator.Tests.Support;

/// <summary>Reads a PNG back and checks it (signature, chunk CRCs, IHDR, decompressed size), independently of the emulator's encoder.</summary>
internal static class PngReader
{
    public static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public sealed record Png(int Width, int Height, byte BitDepth, byte ColourType, List<string> ChunkTypes, byte[] Scanlines);

    public static Png Read(byte[] bytes)
    {
        Assert.Equal(Signature, bytes[..8]);
        var offset = 8;
        var types = new List<string>();
        using var idat = new MemoryStream();
        int width = 0, height = 0;
        byte depth = 0, colour = 0;
        while (offset < bytes.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(offset));
            var type = Encoding.ASCII.GetString(bytes, offset + 4, 4);
            var data = bytes.AsSpan(offset + 8, length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(offset + 8 + length));
            Assert.Equal(BitwiseCrc32(bytes.AsSpan(offset + 4, 4 + length)), crc);
            types.Add(type);
            switch (type)
            {
                case "IHDR":
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    depth = data[8];
                    colour = data[9];
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
            }

            offset += 12 + length;
        }

        idat.Position = 0;
        using var zlib = new ZLibStream(idat, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        zlib.CopyTo(raw);
        return new Png(width, height, depth, colour, types, raw.ToArray());
    }

    // Bit by bit, unlike the emulator's table-driven CRC, so a shared mistake cannot hide.
    private static uint BitwiseCrc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
