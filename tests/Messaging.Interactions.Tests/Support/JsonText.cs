using System.Text;

namespace Messaging.Interactions.Tests.Support;

/// <summary>Helpers to compare JSON texts byte for byte, whitespace aside.</summary>
internal static class JsonText
{
    /// <summary>Removes insignificant whitespace (outside strings), leaving every other byte as it is.</summary>
    public static string Minify(string json)
    {
        var sb = new StringBuilder(json.Length);
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var c = json[i];
            if (inString)
            {
                sb.Append(c);
                if (c == '\\') sb.Append(json[++i]);
                else if (c == '"') inString = false;
            }
            else if (c == '"')
            {
                inString = true;
                sb.Append(c);
            }
            else if (!char.IsWhiteSpace(c))
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    public static string FixturePath(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static string ReadFixture(string name) => File.ReadAllText(FixturePath(name));

    public static IEnumerable<string> FixtureNames(string pattern) =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures"), pattern).Select(Path.GetFileName).OfType<string>().Order();
}
