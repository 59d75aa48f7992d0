using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Messaging.Emulator.Model;

/// <summary>
/// How the scripted model shows it remembers earlier turns: it retells them in the second person
/// ("you have 2 dogs in your house") and answers simple counting questions about animals from
/// facts stated earlier ("How many paws are in my house?" → 8).
/// </summary>
internal static partial class FactRecall
{
    private static readonly Dictionary<string, int> LegsPerAnimal = new(StringComparer.OrdinalIgnoreCase)
    {
        ["dog"] = 4, ["cat"] = 4, ["horse"] = 4, ["cow"] = 4, ["rabbit"] = 4, ["hamster"] = 4, ["goat"] = 4, ["sheep"] = 4,
        ["pig"] = 4, ["mouse"] = 4, ["bird"] = 2, ["chicken"] = 2, ["duck"] = 2, ["parrot"] = 2, ["spider"] = 8, ["ant"] = 6, ["bee"] = 6,
    };

    private static readonly Dictionary<string, string> SecondPerson = new(StringComparer.Ordinal)
    {
        ["I"] = "you", ["me"] = "you", ["my"] = "your", ["My"] = "your", ["mine"] = "yours", ["myself"] = "yourself", ["am"] = "are",
        ["I'm"] = "you're", ["I've"] = "you've", ["I'd"] = "you'd", ["I'll"] = "you'll", ["we"] = "you", ["We"] = "you",
        ["us"] = "you", ["our"] = "your", ["Our"] = "your", ["ours"] = "yours",
    };

    /// <summary>"I have 2 dogs in my house." → "you have 2 dogs in your house".</summary>
    public static string ToSecondPerson(string statement)
    {
        var words = statement.Trim().TrimEnd('.', '!', '?', ';', ':').Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            if (SecondPerson.TryGetValue(words[i], out var swapped))
            {
                words[i] = swapped;
            }
        }

        return string.Join(' ', words);
    }

    /// <summary>Answers "how many paws/legs …" from animal counts stated in the conversation, or null.</summary>
    public static string? CountLegs(string question, IEnumerable<string> statements)
    {
        var ask = HowMany().Match(question);
        if (!ask.Success)
        {
            return null;
        }

        var parts = new List<string>();
        var total = 0L;
        foreach (var statement in statements.Append(question))
        {
            foreach (Match animal in AnimalCount().Matches(statement))
            {
                var count = long.Parse(animal.Groups["count"].Value, CultureInfo.InvariantCulture);
                var name = animal.Groups["animal"].Value;
                var singular = Singular(name);
                if (LegsPerAnimal.TryGetValue(singular, out var legs))
                {
                    total += count * legs;
                    parts.Add(string.Create(CultureInfo.InvariantCulture, $"{count} {name} × {legs} {ask.Groups["noun"].Value}"));
                }
            }
        }

        if (parts.Count == 0)
        {
            return null;
        }

        var noun = ask.Groups["noun"].Value;
        var place = ToSecondPerson(ask.Groups["rest"].Value);
        var where = place.Length > 0 ? " " + place : string.Empty;
        var sum = new StringBuilder().AppendJoin(" + ", parts).Append(CultureInfo.InvariantCulture, $" = {total} {noun}");
        return string.Create(CultureInfo.InvariantCulture, $"There are {total} {noun}{where}. {sum}.");
    }

    private static string Singular(string noun)
    {
        if (noun.EndsWith("ice", StringComparison.OrdinalIgnoreCase))
        {
            return noun[..^3] + "ouse";
        }

        if (noun.Equals("sheep", StringComparison.OrdinalIgnoreCase))
        {
            return noun;
        }

        return noun.EndsWith('s') ? noun[..^1] : noun;
    }

    [GeneratedRegex(@"how many (?<noun>paws|legs|feet)(?: (?:are|is|do|does|live|there))*(?: (?:there|are))? ?(?<rest>[^?.!]*)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HowMany();

    [GeneratedRegex(@"(?<count>\d{1,6}) (?<animal>[A-Za-z]+)", RegexOptions.CultureInvariant)]
    private static partial Regex AnimalCount();
}
