namespace Messaging.Emulator.Model;

/// <summary>
/// FNV-1a over text: a hash that is the same in every process (string.GetHashCode is randomised),
/// so the same request always picks the same wording, numbers and colours.
/// </summary>
internal static class StableHash
{
    private const ulong Offset = 14695981039346656037;
    private const ulong Prime = 1099511628211;

    public static ulong Of(string text, ulong seed = Offset)
    {
        var hash = seed;
        foreach (var c in text)
        {
            hash = (hash ^ c) * Prime;
        }

        return hash;
    }

    public static ulong Of(string first, string second) => Of(second, Of(first) ^ 0x9E3779B97F4A7C15);

    /// <summary>A value in [0, count) derived from the hash.</summary>
    public static int Pick(ulong hash, int count) => count <= 0 ? 0 : (int)(hash % (ulong)count);
}
