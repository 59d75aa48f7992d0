using System.Text.Json.Nodes;
using Messaging.Interactions.Json;

namespace Messaging.Interactions.Models.Contents;

/// <summary>
/// An annotation on a text block. Indexes are byte offsets into the UTF-8 text, end exclusive.
/// Unknown types are kept as they are.
/// </summary>
public class Annotation(JsonObject json) : JsonObjectView(json)
{
    /// <summary>The annotation's <c>type</c>.</summary>
    public string Type => GetString("type") ?? "";
    /// <summary><c>start_index</c> (byte offset).</summary>
    public long? StartIndex => GetInt64("start_index");
    /// <summary><c>end_index</c> (byte offset, exclusive).</summary>
    public long? EndIndex => GetInt64("end_index");

    /// <summary>Picks the typed view for <paramref name="json"/>'s <c>type</c>.</summary>
    public static Annotation From(JsonObject json) => (json["type"] as JsonValue)?.ToString() switch
    {
        "url_citation" => new UrlCitation(json),
        "file_citation" => new FileCitation(json),
        "place_citation" => new PlaceCitation(json),
        "speech_metadata" => new SpeechMetadata(json),
        "word_info" => new WordInfo(json),
        _ => new Annotation(json),
    };
}

/// <summary><c>url_citation</c>: a web source for a span of the text.</summary>
public sealed class UrlCitation(JsonObject json) : Annotation(json)
{
    /// <summary><c>url</c>.</summary>
    public string? Url => GetString("url");
    /// <summary><c>title</c>.</summary>
    public string? Title => GetString("title");
}

/// <summary><c>file_citation</c>: a document source for a span of the text.</summary>
public sealed class FileCitation(JsonObject json) : Annotation(json)
{
    /// <summary><c>document_uri</c>.</summary>
    public string? DocumentUri => GetString("document_uri");
    /// <summary><c>file_name</c>.</summary>
    public string? FileName => GetString("file_name");
    /// <summary><c>page_number</c>.</summary>
    public long? PageNumber => GetInt64("page_number");
}

/// <summary><c>place_citation</c>: a Google Maps place for a span of the text.</summary>
public sealed class PlaceCitation(JsonObject json) : Annotation(json)
{
    /// <summary><c>name</c>.</summary>
    public string? Name => GetString("name");
    /// <summary><c>place_id</c>.</summary>
    public string? PlaceId => GetString("place_id");
    /// <summary><c>url</c>.</summary>
    public string? Url => GetString("url");
}

/// <summary><c>speech_metadata</c>: speaker and style of a span.</summary>
public sealed class SpeechMetadata(JsonObject json) : Annotation(json)
{
    /// <summary><c>speaker</c>.</summary>
    public string? Speaker => GetString("speaker");
    /// <summary><c>style</c>.</summary>
    public string? Style => GetString("style");
}

/// <summary><c>word_info</c>: timing of one word.</summary>
public sealed class WordInfo(JsonObject json) : Annotation(json)
{
    /// <summary><c>text</c>.</summary>
    public string? Text => GetString("text");
    /// <summary><c>speaker</c>.</summary>
    public string? Speaker => GetString("speaker");
}
