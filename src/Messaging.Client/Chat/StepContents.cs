using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Messaging.Client.Chat;

/// <summary>
/// A finished step of the API as Microsoft.Extensions.AI contents: the kinds it has a type for become that type, with the
/// step as its <see cref="AIContent.RawRepresentation"/> (so a resent history gives the step back as received, signature
/// included); the rest pass through as a plain <see cref="AIContent"/> around the step.
/// <list type="bullet">
/// <item><c>thought</c> → <see cref="TextReasoningContent"/> (its summary; the signature in
/// <see cref="TextReasoningContent.ProtectedData"/>).</item>
/// <item><c>google_search_call</c>/<c>_result</c> → <see cref="WebSearchToolCallContent"/> (the queries) and
/// <see cref="WebSearchToolResultContent"/> (the search-suggestions widget as <c>text/html</c>);
/// <c>code_execution_call</c>/<c>_result</c> → <see cref="CodeInterpreterToolCallContent"/> and
/// <see cref="CodeInterpreterToolResultContent"/>.</item>
/// <item><c>model_output</c>: its text came already, delta by delta; its images and other media become
/// <see cref="DataContent"/> (inline) or <see cref="UriContent"/>, and a text block's citations become
/// <see cref="CitationAnnotation"/>s on an <see cref="AIContent"/> after the text, each region in characters of the
/// response's text (the API counts UTF-8 bytes within the block).</item>
/// </list>
/// </summary>
internal static class StepContents
{
    /// <summary>
    /// The contents of <paramref name="step"/>; <paramref name="textStart"/> is where the step's text begins in the
    /// response's text (the characters streamed before its first delta).
    /// </summary>
    public static List<AIContent> Of(JsonElement step, int textStart)
    {
        var raw = step.Clone();
        switch (Type(step))
        {
            case "model_output":
                return ModelOutput(raw, textStart);
            case "thought":
                var summary = step.TryGetProperty("summary", out var parts) && parts.ValueKind == JsonValueKind.Array
                    ? string.Concat(parts.EnumerateArray().Select(p => p.TryGetProperty("text", out var s) ? s.GetString() : null))
                    : "";
                return [new TextReasoningContent(summary) { ProtectedData = String(step, "signature"), RawRepresentation = raw }];
            case "google_search_call":
                return [new WebSearchToolCallContent(String(step, "id") ?? "")
                {
                    Queries = step.TryGetProperty("arguments", out var arguments) && arguments.TryGetProperty("queries", out var queries)
                              && queries.ValueKind == JsonValueKind.Array
                        ? queries.EnumerateArray().Where(q => q.ValueKind == JsonValueKind.String).Select(q => q.GetString()!).ToList()
                        : null,
                    RawRepresentation = raw,
                }];
            case "google_search_result":
                return [new WebSearchToolResultContent(String(step, "call_id") ?? "")
                {
                    Outputs = Results(step).Select(r => String(r, "search_suggestions")).OfType<string>()
                        .Select(html => (AIContent)new DataContent(Encoding.UTF8.GetBytes(html), "text/html")).ToList(),
                    RawRepresentation = raw,
                }];
            case "code_execution_call":
                var code = step.TryGetProperty("arguments", out var args) ? String(args, "code") : null;
                return [new CodeInterpreterToolCallContent(String(step, "id") ?? "")
                {
                    Inputs = code is null ? null : [new DataContent(Encoding.UTF8.GetBytes(code), String(args, "language") == "bash" ? "text/x-sh" : "text/x-python")],
                    RawRepresentation = raw,
                }];
            case "code_execution_result":
                return [new CodeInterpreterToolResultContent(String(step, "call_id") ?? "")
                {
                    Outputs = step.TryGetProperty("result", out var output) && output.ValueKind == JsonValueKind.String ? [new TextContent(output.GetString())] : null,
                    RawRepresentation = raw,
                }];
            case "function_call" or "function_result" or null:
                return []; // these come as FunctionCallRequested, and go back as the saga sends them
            default:
                return [new AIContent { RawRepresentation = raw }]; // URL context, maps, file search …: the step as it is
        }
    }

    private static List<AIContent> ModelOutput(JsonElement step, int textStart)
    {
        var contents = new List<AIContent>();
        if (!step.TryGetProperty("content", out var blocks) || blocks.ValueKind != JsonValueKind.Array) return contents;
        var at = textStart;
        foreach (var block in blocks.EnumerateArray())
        {
            if (Type(block) == "text")
            {
                var text = String(block, "text") ?? "";
                if (block.TryGetProperty("annotations", out var annotations) && annotations.ValueKind == JsonValueKind.Array)
                {
                    var cited = annotations.EnumerateArray().Select(a => Annotation(a, text, at)).ToList();
                    if (cited.Count > 0) contents.Add(new AIContent { Annotations = cited });
                }
                at += text.Length;
                continue;
            }
            var mime = String(block, "mime_type") ?? Type(block) switch { "image" => "image/png", "audio" => "audio/wav", "video" => "video/mp4", _ => "application/octet-stream" };
            if (String(block, "data") is { } data)
                contents.Add(new DataContent(Convert.FromBase64String(data), mime) { RawRepresentation = block.Clone() });
            else if (String(block, "uri") is { } uri && Uri.TryCreate(uri, UriKind.Absolute, out var address))
                contents.Add(new UriContent(address, mime) { RawRepresentation = block.Clone() });
        }
        return contents;
    }

    // A citation of the API as a CitationAnnotation; its byte offsets within the block become characters of the response.
    private static AIAnnotation Annotation(JsonElement annotation, string blockText, int blockStart)
    {
        var region = annotation.TryGetProperty("start_index", out var start) && start.TryGetInt32(out var from)
                     && annotation.TryGetProperty("end_index", out var end) && end.TryGetInt32(out var to)
            ? new TextSpanAnnotatedRegion { StartIndex = blockStart + Characters(blockText, from), EndIndex = blockStart + Characters(blockText, to) }
            : null;
        var url = String(annotation, "url") ?? String(annotation, "document_uri");
        return Type(annotation) switch
        {
            "url_citation" or "file_citation" or "place_citation" => new CitationAnnotation
            {
                Title = String(annotation, "title") ?? String(annotation, "file_name") ?? String(annotation, "name"),
                Url = Uri.TryCreate(url, UriKind.Absolute, out var address) ? address : null,
                FileId = String(annotation, "media_id") ?? String(annotation, "place_id"),
                AnnotatedRegions = region is null ? null : [region],
                RawRepresentation = annotation.Clone(),
            },
            _ => new AIAnnotation { AnnotatedRegions = region is null ? null : [region], RawRepresentation = annotation.Clone() },
        };
    }

    // The characters in the first `bytes` UTF-8 bytes of `text` (clamped to the text).
    private static int Characters(string text, int bytes)
    {
        var encoded = Encoding.UTF8.GetBytes(text);
        return Encoding.UTF8.GetCharCount(encoded, 0, Math.Clamp(bytes, 0, encoded.Length));
    }

    private static IEnumerable<JsonElement> Results(JsonElement step) =>
        step.TryGetProperty("result", out var result) && result.ValueKind == JsonValueKind.Array
            ? result.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.Object)
            : [];

    private static string? Type(JsonElement element) => String(element, "type");

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
