using System.Globalization;
using System.Text;
using Messaging.Emulator.Conversation;

namespace Messaging.Emulator.Model;

/// <summary>
/// Writes the scripted model's plain-text answers: deterministic prose that quotes the question,
/// retells earlier turns, describes attachments, and is padded to a minimum word count so a
/// stream can be cut into as many deltas as a test or benchmark asks for.
/// </summary>
internal static class ProseComposer
{
    private static readonly string[] Leads =
    [
        "Here is a short answer to “{0}”.",
        "You asked: “{0}”.",
        "Good question: “{0}”.",
        "Let me answer “{0}”.",
    ];

    private static readonly string[] Bodies =
    [
        "In short, {0} comes down to a few connected ideas: what it is, how its parts work together, and where it shows up in practice.",
        "The core of {0} is simple: break it into smaller pieces, understand each one, and then see how they combine.",
        "To understand {0}, start from the basics, look at a concrete example, and then generalise from what you observed.",
        "{0} is best explained step by step: first the goal, then the mechanism, and finally the result it produces.",
    ];

    private static readonly string[] Fillers =
    [
        "Each further detail builds on the previous one.",
        "Concrete examples make the idea easier to remember.",
        "The same pattern appears in many related situations.",
        "Small steps, checked one at a time, keep the reasoning sound.",
        "Looking at the result from a second angle confirms it.",
        "A quick summary helps to keep the main point in view.",
    ];

    public static string Answer(ConversationView conversation, string? systemInstruction, int minimumWords)
    {
        var question = conversation.LatestUserText;
        var words = new WordSource(question);
        var hash = StableHash.Of(question);
        var text = new StringBuilder();

        if (FactRecall.CountLegs(question, conversation.EarlierUserTexts) is { } counted)
        {
            text.Append(counted).Append(' ');
        }

        if (question.Length > 0)
        {
            text.AppendFormat(CultureInfo.InvariantCulture, Leads[StableHash.Pick(hash, Leads.Length)], Shorten(question)).Append(' ');
            text.AppendFormat(CultureInfo.InvariantCulture, Bodies[StableHash.Pick(hash >> 8, Bodies.Length)], words.Topic).Append(' ');
        }

        if (AttachmentDescriber.Describe(conversation.LatestAttachments) is { } attachments)
        {
            text.Append(attachments).Append(' ');
        }

        AppendMemory(text, conversation.EarlierUserTexts);
        if (!string.IsNullOrWhiteSpace(systemInstruction))
        {
            text.Append("I followed your instruction: “").Append(Shorten(systemInstruction.Trim())).Append("”. ");
        }

        if (text.Length == 0)
        {
            text.Append("Here is my answer. ");
        }

        return PadToWords(text.ToString().TrimEnd(), minimumWords, hash);
    }

    /// <summary>Appends filler sentences until the text has at least <paramref name="minimumWords"/> words.</summary>
    public static string PadToWords(string text, int minimumWords, ulong hash)
    {
        var count = CountWords(text);
        if (count >= minimumWords)
        {
            return text;
        }

        var padded = new StringBuilder(text, text.Length + ((minimumWords - count) * 8));
        var next = StableHash.Pick(hash >> 16, Fillers.Length);
        while (count < minimumWords)
        {
            var filler = Fillers[next++ % Fillers.Length];
            padded.Append(' ').Append(filler);
            count += CountWords(filler);
        }

        return padded.ToString();
    }

    public static string Shorten(string text, int maximum = 160) =>
        text.Length <= maximum ? text : string.Concat(text.AsSpan(0, maximum).TrimEnd(), "…");

    private static void AppendMemory(StringBuilder text, IReadOnlyList<string> earlier)
    {
        if (earlier.Count == 0)
        {
            return;
        }

        text.Append("Earlier you told me: ");
        var first = Math.Max(0, earlier.Count - 3);
        for (var i = first; i < earlier.Count; i++)
        {
            if (i > first)
            {
                text.Append("; ");
            }

            text.Append(Shorten(FactRecall.ToSecondPerson(earlier[i]), 120));
        }

        text.Append(". ");
        var numbers = new List<long>();
        foreach (var statement in earlier)
        {
            numbers.AddRange(new WordSource(statement).Numbers);
        }

        if (numbers.Count > 0)
        {
            text.Append("The numbers you mentioned so far: ").AppendJoin(", ", numbers).Append(". ");
        }
    }

    private static int CountWords(string text)
    {
        var count = 0;
        var inWord = false;
        foreach (var c in text)
        {
            var white = char.IsWhiteSpace(c);
            if (!white && !inWord)
            {
                count++;
            }

            inWord = !white;
        }

        return count;
    }
}
