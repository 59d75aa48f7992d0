namespace Messaging.Emulator.Streaming;

/// <summary>
/// Cuts text into a given number of non-empty pieces of similar length, at word starts where
/// possible ("AI ", "works "), never inside a surrogate pair. No LINQ: it runs on the hot path.
/// </summary>
internal static class TextSplitter
{
    /// <summary>Piece boundaries: <c>[0, cut1, …, text.Length]</c>; piece i is <c>[b[i], b[i+1])</c>.</summary>
    public static int[] Boundaries(string text, int pieces)
    {
        var length = text.Length;
        pieces = Math.Max(1, Math.Min(pieces, length));
        if (pieces == 1)
        {
            return [0, length];
        }

        var bounds = new int[pieces + 1];
        var count = 1;
        var previous = 0;
        for (var k = 1; k < pieces; k++)
        {
            var limit = length - (pieces - k); // leave at least one character for each later piece
            var target = Math.Clamp((int)((long)k * length / pieces), previous + 1, limit);
            var position = target;
            while (position < limit && !IsWordStart(text, position))
            {
                position++;
            }

            if (!IsWordStart(text, position))
            {
                position = target;
            }

            if (char.IsLowSurrogate(text[position]))
            {
                position = position + 1 <= limit ? position + 1 : position - 1;
            }

            if (position <= previous || position >= length)
            {
                continue;
            }

            bounds[count++] = position;
            previous = position;
        }

        bounds[count++] = length;
        return count == bounds.Length ? bounds : bounds[..count];
    }

    private static bool IsWordStart(string text, int position) =>
        position > 0 && position < text.Length && char.IsWhiteSpace(text[position - 1]) && !char.IsWhiteSpace(text[position]);
}
