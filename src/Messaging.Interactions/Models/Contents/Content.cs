using System.Text.Json.Nodes;
using Messaging.Interactions.Json;

namespace Messaging.Interactions.Models.Contents;

/// <summary>
/// A content block (<c>text</c>, <c>image</c>, <c>audio</c>, <c>video</c>, <c>document</c>, or a type
/// this library does not know, which is kept as it is).
/// </summary>
public class Content(JsonObject json) : JsonObjectView(json)
{
    /// <summary>The block's <c>type</c>.</summary>
    public string Type => GetString("type") ?? "";

    /// <summary>Picks the typed view for <paramref name="json"/>'s <c>type</c>.</summary>
    public static Content From(JsonObject json) => (json["type"] as JsonValue)?.ToString() switch
    {
        "text" => new TextContent(json),
        "image" => new ImageContent(json),
        "audio" => new AudioContent(json),
        "video" => new VideoContent(json),
        "document" => new DocumentContent(json),
        _ => new Content(json),
    };

    /// <summary>A new <c>text</c> block.</summary>
    public static TextContent FromText(string text) => new(new JsonObject { ["type"] = "text", ["text"] = text });

    /// <summary>A new inline media block (<paramref name="type"/> = image, audio, video or document).</summary>
    public static MediaContent Inline(string type, ReadOnlySpan<byte> data, string mimeType) =>
        (MediaContent)From(new JsonObject { ["type"] = type, ["data"] = Convert.ToBase64String(data), ["mime_type"] = mimeType });

    /// <summary>A new media block that points at a URI.</summary>
    public static MediaContent FromUri(string type, string uri, string mimeType) =>
        (MediaContent)From(new JsonObject { ["type"] = type, ["uri"] = uri, ["mime_type"] = mimeType });
}

/// <summary>A <c>text</c> block, with optional <c>annotations</c>.</summary>
public sealed class TextContent(JsonObject json) : Content(json)
{
    /// <summary><c>text</c>.</summary>
    public string Text => GetString("text") ?? "";
    /// <summary><c>annotations</c> (citations and other metadata over byte ranges of the text).</summary>
    public IReadOnlyList<Annotation> Annotations => GetList("annotations", Annotation.From);
}

/// <summary>A media block: inline base64 <c>data</c> or a <c>uri</c>, with <c>mime_type</c>.</summary>
public abstract class MediaContent(JsonObject json) : Content(json)
{
    /// <summary>Base64 <c>data</c>, when inline.</summary>
    public string? Data => GetString("data");
    /// <summary><c>uri</c>, when not inline.</summary>
    public string? Uri => GetString("uri");
    /// <summary><c>mime_type</c>.</summary>
    public string? MimeType => GetString("mime_type");
    /// <summary>The decoded inline bytes, or null when the block is a URI.</summary>
    public byte[]? GetBytes() => Data is { } d ? Convert.FromBase64String(d) : null;
}

/// <summary>An <c>image</c> block.</summary>
public sealed class ImageContent(JsonObject json) : MediaContent(json)
{
    /// <summary><c>resolution</c> (low, medium, high, ultra_high).</summary>
    public string? Resolution => GetString("resolution");
}

/// <summary>An <c>audio</c> block.</summary>
public sealed class AudioContent(JsonObject json) : MediaContent(json)
{
    /// <summary><c>sample_rate</c>.</summary>
    public long? SampleRate => GetInt64("sample_rate");
    /// <summary><c>channels</c>.</summary>
    public long? Channels => GetInt64("channels");
}

/// <summary>A <c>video</c> block.</summary>
public sealed class VideoContent(JsonObject json) : MediaContent(json);

/// <summary>A <c>document</c> block.</summary>
public sealed class DocumentContent(JsonObject json) : MediaContent(json);
