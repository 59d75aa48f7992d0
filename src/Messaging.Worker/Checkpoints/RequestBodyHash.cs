using System.Security.Cryptography;
using System.Text.Json;

namespace Messaging.Worker.Checkpoints;

/// <summary>The hash that tells a duplicate of a request (same body) from a reused requestId (another body).</summary>
internal static class RequestBodyHash
{
    /// <summary>SHA-256 of the body written compactly: whitespace does not count, members' order and values do.</summary>
    public static string Of(JsonElement request)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) request.WriteTo(writer);
        return Convert.ToHexStringLower(SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
    }
}
