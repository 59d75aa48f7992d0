using System.Text;
using System.Text.Json.Nodes;
using Messaging.Emulator.Requests;
using Messaging.Emulator.Streaming;

namespace Messaging.Emulator.Model;

/// <summary>An answer's text with its citations (character ranges, turned into UTF-8 byte offsets on output).</summary>
internal sealed record AnswerText(string Text, IReadOnlyList<Citation> Citations)
{
    public static AnswerText Plain(string text) => new(text, []);

    /// <summary>Piece <paramref name="part"/> of <paramref name="parts"/> (continuation hops), keeping the citations that fit inside it.</summary>
    public AnswerText Part(int part, int parts)
    {
        var bounds = TextSplitter.Boundaries(Text, parts);
        if (part >= bounds.Length - 1)
        {
            return Plain(string.Empty);
        }

        var start = bounds[part];
        var end = bounds[part + 1];
        var citations = new List<Citation>();
        foreach (var citation in Citations)
        {
            if (citation.Start >= start && citation.End <= end)
            {
                citations.Add(citation with { Start = citation.Start - start, End = citation.End - start });
            }
        }

        return new AnswerText(Text[start..end], citations);
    }

    /// <summary>The text content block, with <c>url_citation</c> annotations whose indexes are byte offsets (end exclusive).</summary>
    public JsonObject ToTextBlock()
    {
        var block = new JsonObject
        {
            ["type"] = ApiTypes.Text,
            ["text"] = Text,
        };
        if (Citations.Count > 0)
        {
            var annotations = new JsonArray();
            foreach (var citation in Citations)
            {
                annotations.Add(new JsonObject
                {
                    ["type"] = "url_citation",
                    ["url"] = citation.Url,
                    ["title"] = citation.Title,
                    ["start_index"] = Encoding.UTF8.GetByteCount(Text.AsSpan(0, citation.Start)),
                    ["end_index"] = Encoding.UTF8.GetByteCount(Text.AsSpan(0, citation.End)),
                });
            }

            block["annotations"] = annotations;
        }

        return block;
    }
}

/// <summary>A cited source for the characters <c>[Start, End)</c> of an answer.</summary>
internal sealed record Citation(string Url, string Title, int Start, int End);
