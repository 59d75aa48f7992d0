using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Messaging.Emulator.Signatures;

/// <summary>
/// Self-verifying continuation tokens: <c>base64url("hop:interactionId") . base64url(mac)</c>.
/// They carry how many hops are done so a <c>store: false</c> continuation needs no server state.
/// </summary>
internal sealed class ContinuationTokens(SigningKey key)
{
    private const int MacLength = 16;

    public string Issue(int hopsDone, string interactionId)
    {
        var payload = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{hopsDone}:{interactionId}"));
        return Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(key.Mac(payload).AsSpan(0, MacLength));
    }

    public bool TryRead(string token, out ContinuationState state)
    {
        state = default;
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            return false;
        }

        byte[] payload;
        byte[] mac;
        try
        {
            payload = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
            mac = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return false;
        }

        if (mac.Length != MacLength || !key.Verify(payload, mac))
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(payload);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !int.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var hops))
        {
            return false;
        }

        state = new ContinuationState(hops, text[(colon + 1)..]);
        return true;
    }
}

/// <summary>What a continuation token says: hops already done and the interaction that issued it.</summary>
internal readonly record struct ContinuationState(int HopsDone, string InteractionId);
