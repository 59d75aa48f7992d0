using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Messaging.Contracts;

namespace Messaging.Worker.Intake;

/// <summary>
/// One pass over JSON text, token by token (no DOM, any depth), that says in words, with a path, what the parsers here
/// cannot take: nesting past the limit, strings that are not valid Unicode (a lone UTF-16 surrogate escape such as
/// <c>"\uDE42"</c>, bytes that are not UTF-8), text that is not JSON. It keeps the scalars near the top (a message's
/// ids, an envelope's message's ids and types) for a rejection to carry. Hand-written because System.Text.Json's
/// parsers stop at the first such problem with an exception that names neither the member nor, past their depth, anything.
/// </summary>
internal sealed class JsonWalk
{
    private const int ScanDepth = 1_000_000; // the walk itself has no practical limit: it reports the limit it is given
    private const int ShallowDepth = 2;
    private const int MaxShallow = 512;
    private const int MaxProblems = 20;
    private const int MaxPathLength = 160;

    private readonly List<Frame> _frames = [];
    private readonly string _root;
    private bool _tooDeep;

    private JsonWalk(string root) => _root = root;

    /// <summary>Each problem found, by path (<see cref="ValidationProblem.Field"/>), at most 20.</summary>
    public List<ValidationProblem> Problems { get; } = [];

    /// <summary>The scalars at depth 1 and 2 by path (<c>requestId</c>, <c>message.requestId</c>, <c>messageType[0]</c>).</summary>
    public Dictionary<string, JsonScalar> Shallow { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether the text stopped being JSON somewhere (the walk ended there).</summary>
    public bool Malformed { get; private set; }

    /// <summary>The deepest nesting seen (the outermost container is level 1).</summary>
    public int MaxDepthSeen { get; private set; }

    /// <summary>Walks <paramref name="json"/>, whose paths start at <paramref name="root"/> (empty for a whole message).</summary>
    /// <param name="json">UTF-8 JSON text.</param>
    /// <param name="root">The path of the value walked, e.g. <c>request</c>.</param>
    /// <param name="maxDepth">Levels allowed below and including the outermost container.</param>
    /// <param name="limitHint">How the limit is explained in a depth problem.</param>
    public static JsonWalk Run(ReadOnlySpan<byte> json, string root, int maxDepth, string limitHint)
    {
        var walk = new JsonWalk(root);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = ScanDepth });
        try
        {
            while (reader.Read()) walk.Visit(ref reader, maxDepth, limitHint);
        }
        catch (JsonException ex)
        {
            walk.Malformed = true;
            walk.Add(root, $"is not valid JSON: {ex.Message}");
        }
        return walk;
    }

    private void Visit(ref Utf8JsonReader reader, int maxDepth, string limitHint)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.PropertyName:
                var name = TextOf(ref reader);
                _frames[^1].Property = name ?? "?";
                if (name is null) Add(Path(), "has a member name that is not valid Unicode text");
                return;
            case JsonTokenType.StartObject or JsonTokenType.StartArray:
                if (_frames.Count + 1 > maxDepth && !_tooDeep)
                {
                    _tooDeep = true;
                    Add(Path(), $"nests deeper than {maxDepth} levels ({limitHint})");
                }
                _frames.Add(new Frame(reader.TokenType == JsonTokenType.StartArray));
                MaxDepthSeen = Math.Max(MaxDepthSeen, _frames.Count);
                return;
            case JsonTokenType.EndObject or JsonTokenType.EndArray:
                _frames.RemoveAt(_frames.Count - 1);
                Next();
                return;
        }

        string? text = null;
        if (reader.TokenType == JsonTokenType.String)
        {
            text = TextOf(ref reader, keep: _frames.Count <= ShallowDepth);
            if (text is null && !IsValidText(reader.ValueSpan, reader.ValueIsEscaped))
                Add(Path(), "is not valid Unicode text (a lone UTF-16 surrogate escape such as \\uDE42, or bytes that are not UTF-8); JSON strings must be valid Unicode");
        }
        else if (reader.TokenType == JsonTokenType.Number) text = Encoding.UTF8.GetString(reader.ValueSpan);
        if (_frames.Count <= ShallowDepth && Shallow.Count < MaxShallow) Shallow.TryAdd(Path(), new JsonScalar(reader.TokenType, text));
        Next();
    }

    /// <summary>A string's text when it is valid Unicode and wanted (short strings near the top); null otherwise.</summary>
    private static string? TextOf(ref Utf8JsonReader reader, bool keep = true)
    {
        if (!IsValidText(reader.ValueSpan, reader.ValueIsEscaped)) return null;
        return keep ? reader.GetString() : null;
    }

    /// <summary>Valid UTF-8, and every <c>\u</c> surrogate escape paired, without decoding (the strings may be megabytes).</summary>
    private static bool IsValidText(ReadOnlySpan<byte> raw, bool escaped)
    {
        if (!Utf8.IsValid(raw)) return false;
        if (!escaped) return true;
        for (var i = 0; i < raw.Length - 1; i++)
        {
            if (raw[i] != (byte)'\\') continue;
            if (raw[i + 1] != (byte)'u' || !TryHex(raw, i + 2, out var unit))
            {
                i++;
                continue;
            }
            if (unit is >= 0xDC00 and <= 0xDFFF) return false; // a low surrogate alone
            if (unit is >= 0xD800 and <= 0xDBFF)
            {
                if (i + 7 >= raw.Length || raw[i + 6] != (byte)'\\' || raw[i + 7] != (byte)'u' || !TryHex(raw, i + 8, out var low) || low is < 0xDC00 or > 0xDFFF)
                    return false; // a high surrogate not followed by a low one
                i += 11;
                continue;
            }
            i += 5;
        }
        return true;
    }

    private static bool TryHex(ReadOnlySpan<byte> raw, int start, out int value)
    {
        value = 0;
        if (start + 4 > raw.Length) return false;
        for (var k = start; k < start + 4; k++)
        {
            var c = raw[k];
            var digit = c switch
            {
                >= (byte)'0' and <= (byte)'9' => c - '0',
                >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
                _ => -1,
            };
            if (digit < 0) return false;
            value = (value << 4) | digit;
        }
        return true;
    }

    private void Next()
    {
        if (_frames.Count > 0 && _frames[^1].IsArray) _frames[^1].Index++;
    }

    private string Path()
    {
        var path = new StringBuilder(_root);
        foreach (var frame in _frames)
        {
            if (path.Length > MaxPathLength) return path.Append('…').ToString();
            if (frame.IsArray) path.Append('[').Append(frame.Index).Append(']');
            else if (frame.Property is { } property) path.Append(path.Length == 0 ? "" : ".").Append(property);
        }
        return path.ToString();
    }

    private void Add(string field, string message)
    {
        if (Problems.Count < MaxProblems) Problems.Add(new ValidationProblem(field.Length == 0 ? "message" : field, message));
    }

    private sealed class Frame(bool isArray)
    {
        public bool IsArray { get; } = isArray;
        public int Index { get; set; }
        public string? Property { get; set; }
    }
}

/// <summary>A scalar read near the top of a message: its token, and its text (a string's value, a number's digits).</summary>
internal readonly record struct JsonScalar(JsonTokenType Type, string? Text);
