using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Emulator.Api;
using Messaging.Emulator.Json;

namespace Messaging.Emulator.Requests;

/// <summary>Reads and checks <c>response_format</c> (one format or a list, reference §3.4).</summary>
internal static class ResponseFormatParser
{
    private static readonly string[] TextMimeTypes = ["text/plain", "application/json"];
    private static readonly string[] ImageMimeTypes = ["image/jpeg", "image/png"];
    private static readonly string[] AudioMimeTypes = ["audio/mp3", "audio/ogg_opus", "audio/l16", "audio/wav", "audio/alaw", "audio/mulaw"];
    private static readonly string[] AspectRatios = ["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9", "1:8", "8:1", "1:4", "4:1"];
    private static readonly string[] ImageSizes = ["512", "1K", "2K", "4K"];
    private static readonly string[] Deliveries = ["inline", "uri"];

    public static OutputFormat Parse(JsonNode? format, string? deprecatedMimeType)
    {
        if (format is null)
        {
            return deprecatedMimeType == "application/json" ? new OutputFormat(true, null, null) : OutputFormat.PlainText;
        }

        var entries = new List<(JsonObject Format, string Path)>();
        switch (format)
        {
            case JsonObject single:
                entries.Add((single, "response_format"));
                break;
            case JsonArray list when list.Count > 0:
                for (var i = 0; i < list.Count; i++)
                {
                    var path = string.Create(CultureInfo.InvariantCulture, $"response_format[{i}]");
                    entries.Add((list[i] as JsonObject ?? throw ApiException.InvalidArgument($"'{path}' must be an object."), path));
                }

                break;
            default:
                throw ApiException.InvalidArgument("'response_format' must be a format object or a non-empty list of them.");
        }

        var json = false;
        JsonObject? schema = null;
        ImageFormat? image = null;
        foreach (var (entry, path) in entries)
        {
            switch (ContentValidator.RequireType(entry, path))
            {
                case "text":
                    var mime = OneOf(entry, "mime_type", path, TextMimeTypes) ?? (entry["schema"] is null ? "text/plain" : "application/json");
                    if (entry["schema"] is { } given)
                    {
                        if (mime != "application/json")
                        {
                            throw ApiException.InvalidArgument($"'{path}.schema' is only allowed with mime_type 'application/json'.");
                        }

                        schema = given as JsonObject ?? throw ApiException.InvalidArgument($"'{path}.schema' must be a JSON schema object.");
                        SchemaRules.Check(schema, $"{path}.schema");
                    }

                    json |= mime == "application/json";
                    break;
                case "image":
                    OneOf(entry, "mime_type", path, ImageMimeTypes);
                    OneOf(entry, "image_size", path, ImageSizes);
                    OneOf(entry, "delivery", path, Deliveries);
                    image = new ImageFormat(OneOf(entry, "aspect_ratio", path, AspectRatios));
                    break;
                case "audio":
                    OneOf(entry, "mime_type", path, AudioMimeTypes);
                    OneOf(entry, "delivery", path, Deliveries);
                    break;
                case "video":
                    OneOf(entry, "delivery", path, Deliveries);
                    break;
                case var other:
                    throw ApiException.InvalidArgument($"'{path}.type': unknown response format type '{other}'; expected text, image, audio or video.");
            }
        }

        return new OutputFormat(json, schema, image);
    }

    private static string? OneOf(JsonObject entry, string name, string path, string[] allowed)
    {
        var value = entry[name];
        if (value is null)
        {
            return null;
        }

        var text = EmulatorJson.Kind(value) == JsonValueKind.String ? value.GetValue<string>() : null;
        if (text is null || Array.IndexOf(allowed, text) < 0)
        {
            throw ApiException.InvalidArgument($"'{path}.{name}' must be one of {string.Join(", ", allowed)}.");
        }

        return text;
    }
}
