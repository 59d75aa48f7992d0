using System.Globalization;
using System.Text;

namespace Messaging.Emulator.Model;

/// <summary>
/// The words of a prompt the scripted model reuses: keywords for prose and generated values,
/// capitalised names for places and people, and numbers.
/// </summary>
internal sealed class WordSource
{
    private static readonly HashSet<string> StopWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "a", "an", "the", "and", "or", "but", "if", "then", "of", "to", "in", "on", "at", "by", "for", "with", "about", "from",
        "into", "over", "under", "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "have", "has", "had",
        "i", "me", "my", "we", "our", "you", "your", "he", "she", "it", "its", "they", "them", "their", "this", "that", "these",
        "those", "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "can", "could", "would", "should",
        "will", "shall", "may", "might", "must", "please", "tell", "explain", "describe", "give", "show", "write", "make",
        "generate", "create", "few", "words", "word", "some", "any", "all", "many", "much", "more", "most", "very", "just",
        "there", "here", "as", "so", "than", "too", "not", "no", "yes", "let", "lets", "let's", "like", "get", "me.", "is.",
        "current", "currently", "now", "today", "short", "brief", "briefly", "detailed", "image", "picture", "photo",
        "work", "works", "working", "happen", "happens", "mean", "means", "use", "uses", "used", "using", "need", "want", "know",
        "think", "find", "help", "compare", "analysis", "analyze", "analyse", "answer", "question", "way", "ways",
    };

    public WordSource(string text)
    {
        Text = text;
        var words = new List<string>();
        var keywords = new List<string>();
        var names = new List<string>();
        var numbers = new List<long>();
        var sentenceStart = true;
        var token = new StringBuilder();
        for (var i = 0; i <= text.Length; i++)
        {
            var c = i < text.Length ? text[i] : ' ';
            if (char.IsLetterOrDigit(c) || ((c == '\'' || c == '-') && token.Length > 0 && i + 1 < text.Length && char.IsLetterOrDigit(text[i + 1])))
            {
                token.Append(c);
                continue;
            }

            if (token.Length > 0)
            {
                var word = token.ToString();
                token.Clear();
                words.Add(word);
                if (long.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                {
                    numbers.Add(number);
                }

                if (!StopWords.Contains(word) && !keywords.Exists(k => string.Equals(k, word, StringComparison.OrdinalIgnoreCase)))
                {
                    keywords.Add(word);
                }

                if (char.IsUpper(word[0]) && !sentenceStart && word != "I" && !IsAcronym(word))
                {
                    names.Add(word);
                }

                sentenceStart = false;
            }

            if (c is '.' or '?' or '!' or ':' or '\n')
            {
                sentenceStart = true;
            }
        }

        Words = words;
        Keywords = keywords;
        Names = names;
        Numbers = numbers;
    }

    public string Text { get; }

    public IReadOnlyList<string> Words { get; }

    public IReadOnlyList<string> Keywords { get; }

    /// <summary>Capitalised words inside sentences (place and person names).</summary>
    public IReadOnlyList<string> Names { get; }

    public IReadOnlyList<long> Numbers { get; }

    /// <summary>Up to three keywords as a short topic phrase, e.g. "AI works".</summary>
    public string Topic => Keywords.Count == 0 ? "your question" : string.Join(' ', Keywords.Take(3));

    public string Keyword(int index, string fallback) => Keywords.Count == 0 ? fallback : Keywords[index % Keywords.Count];

    /// <summary>A place or person name: the last capitalised name, else a keyword capitalised.</summary>
    public string Name(string fallback)
    {
        if (Names.Count > 0)
        {
            return Names[^1];
        }

        for (var i = Keywords.Count - 1; i >= 0; i--)
        {
            if (!long.TryParse(Keywords[i], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                return Capitalize(Keywords[i]);
            }
        }

        return fallback;
    }

    public static string Capitalize(string word) =>
        word.Length == 0 ? word : char.ToUpperInvariant(word[0]) + word[1..];

    public static string TitleCase(string phrase) =>
        string.Join(' ', phrase.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Capitalize));

    private static bool IsAcronym(string word) => word.Length > 1 && word.All(static c => !char.IsLetter(c) || char.IsUpper(c));
}
