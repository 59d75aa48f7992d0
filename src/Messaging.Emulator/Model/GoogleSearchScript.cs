using System.Net;
using System.Text.Json.Nodes;
using Messaging.Emulator.Json;
using Messaging.Emulator.Requests;
using Messaging.Emulator.Signatures;

namespace Messaging.Emulator.Model;

/// <summary>
/// Grounding with Google Search, scripted: a signed <c>google_search_call</c> with the query, a
/// signed <c>google_search_result</c> with a search-suggestions widget, and an answer whose
/// sentences carry <c>url_citation</c> annotations pointing at example sources.
/// </summary>
internal sealed class GoogleSearchScript(StepSigner signer)
{
    public (List<JsonObject> Steps, AnswerText Answer) Search(string question)
    {
        var words = new WordSource(question);
        var query = question.Trim().TrimEnd('?', '!', '.', ' ');
        if (query.Length == 0)
        {
            query = words.Topic;
        }

        var callId = Ids.ToolCall("search");
        var call = new JsonObject
        {
            ["type"] = ApiTypes.GoogleSearchCall,
            ["id"] = callId,
            ["arguments"] = new JsonObject { ["queries"] = new JsonArray(query) },
        };
        call["signature"] = signer.SignToolStep(call);

        var result = new JsonObject
        {
            ["type"] = ApiTypes.GoogleSearchResult,
            ["call_id"] = callId,
            ["result"] = new JsonArray(new JsonObject { ["search_suggestions"] = SuggestionsWidget(query) }),
        };
        result["signature"] = signer.SignToolStep(result);

        return ([call, result], CitedAnswer(query, words));
    }

    private static AnswerText CitedAnswer(string query, WordSource words)
    {
        var slug = Slug(words);
        var first = new Citation($"https://www.example.com/search/{slug}", "example.com", 0, 0);
        var second = new Citation($"https://news.example.org/{slug}", "news.example.org", 0, 0);
        var opening = $"According to {first.Title}, the search for “{query}” points to a clear answer about {words.Topic}.";
        var background = $"{second.Title} adds background on how {words.Topic} developed and why it matters.";
        var text = opening + " " + background;
        return new AnswerText(text,
        [
            first with { Start = 0, End = opening.Length },
            second with { Start = opening.Length + 1, End = text.Length },
        ]);
    }

    private static string SuggestionsWidget(string query) =>
        "<style>.container{display:flex;flex-wrap:wrap;gap:8px}.chip{padding:4px 12px;border:1px solid #dadce0;border-radius:16px;"
        + "color:#1f1f1f;text-decoration:none}</style><div class=\"container\"><a class=\"chip\" href=\"https://www.google.com/search?q="
        + Uri.EscapeDataString(query) + "\">" + WebUtility.HtmlEncode(query) + "</a></div>";

    private static string Slug(WordSource words)
    {
        var parts = new List<string>();
        foreach (var keyword in words.Keywords)
        {
            var ascii = new string(keyword.ToLowerInvariant().Where(static c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9')).ToArray());
            if (ascii.Length > 0)
            {
                parts.Add(ascii);
            }
        }

        return parts.Count == 0 ? "results" : string.Join('-', parts.Take(5));
    }
}
