using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Messaging.Emulator.Signatures;

/// <summary>
/// The HMAC key behind thought signatures and continuation tokens. Signatures verify without any
/// server-side storage, which is what lets <c>store: false</c> histories be checked.
/// </summary>
internal sealed class SigningKey
{
    // One secret per process, so histories issued by one in-process server verify on another.
    private static readonly byte[] ProcessSecret = RandomNumberGenerator.GetBytes(32);

    private readonly byte[] key;

    public SigningKey(IOptions<EmulatorOptions> options)
    {
        var configured = options.Value.SignatureKey;
        key = string.IsNullOrEmpty(configured) ? ProcessSecret : SHA256.HashData(Encoding.UTF8.GetBytes(configured));
    }

    public byte[] Mac(ReadOnlySpan<byte> data) => HMACSHA256.HashData(key, data);

    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> mac) =>
        mac.Length > 0 && mac.Length <= 32 && CryptographicOperations.FixedTimeEquals(Mac(data).AsSpan(0, mac.Length), mac);
}
