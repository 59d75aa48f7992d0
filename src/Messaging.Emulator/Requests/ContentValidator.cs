using System.Buffers.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Emulator.Api;
using Messaging.Emulator.Json;

namespace Messaging.Emulator.Requests;

/// <summary>Checks content blocks (text, image, audio, video, document) as the API would.</summary>
internal static class ContentValidator
{
    public static void Validate(JsonNode? node, string path)
    {
        if (node is not JsonObject block)
        {
            throw ApiException.InvalidArgument($"'{path}' must be a content object with a 'type'.");
        }

        var type = RequireType(block, path);
        switch (type)
        {
            case ApiTypes.Text:
                if (EmulatorJson.Kind(block["text"]) != JsonValueKind.String)
                {
                    throw ApiException.InvalidArgument($"'{path}.text' is required for a text block and must be a string.");
                }

                break;
            case ApiTypes.Image or ApiTypes.Audio or ApiTypes.Video or ApiTypes.Document:
                ValidateMedia(block, type, path);
                break;
            default:
                throw ApiException.InvalidArgument(
                    $"'{path}.type': unknown content type '{type}'; expected one of {string.Join(", ", ApiTypes.ContentTypes)}.");
        }
    }

    public static string RequireType(JsonObject obj, string path)
    {
        var type = obj["type"];
        if (EmulatorJson.Kind(type) != JsonValueKind.String || type!.GetValue<string>().Length == 0)
        {
            throw ApiException.InvalidArgument($"'{path}.type' is required and must be a non-empty string.");
        }

        return type.GetValue<string>();
    }

    /// <summary>Decoded size of a block's inline base64 <c>data</c>, or null when it has none.</summary>
    public static int? DecodedSize(JsonObject block)
    {
        var data = EmulatorJson.StringOrNull(block["data"]);
        if (data is null)
        {
            return null;
        }

        return Base64.IsValid(data, out var size) || Base64Url.IsValid(data, out size) ? size : null;
    }

    private static void ValidateMedia(JsonObject block, string type, string path)
    {
        var data = block["data"];
        var uri = block["uri"];
        var hasData = data is not null;
        var hasUri = uri is not null;
        if (hasData == hasUri)
        {
            throw ApiException.InvalidArgument(hasData
                ? $"'{path}': a {type} block takes either 'data' or 'uri', not both."
                : $"'{path}': a {type} block needs inline base64 'data' or a 'uri'.");
        }

        if (hasData)
        {
            if (EmulatorJson.Kind(data) != JsonValueKind.String)
            {
                throw ApiException.InvalidArgument($"'{path}.data' must be a base64 string.");
            }

            var text = data!.GetValue<string>();
            if (text.Length == 0 || !(Base64.IsValid(text, out _) || Base64Url.IsValid(text, out _)))
            {
                throw ApiException.InvalidArgument($"'{path}.data' is not valid base64.");
            }
        }
        else if (EmulatorJson.Kind(uri) != JsonValueKind.String || uri!.GetValue<string>().Length == 0)
        {
            throw ApiException.InvalidArgument($"'{path}.uri' must be a non-empty string.");
        }

        var mime = block["mime_type"];
        if (mime is null)
        {
            return;
        }

        if (EmulatorJson.Kind(mime) != JsonValueKind.String)
        {
            throw ApiException.InvalidArgument($"'{path}.mime_type' must be a string.");
        }

        var mimeType = mime.GetValue<string>();
        var family = type is ApiTypes.Document ? null : type + "/";
        if (mimeType.IndexOf('/', StringComparison.Ordinal) <= 0
            || (family is not null && !mimeType.StartsWith(family, StringComparison.OrdinalIgnoreCase)))
        {
            throw ApiException.InvalidArgument($"'{path}.mime_type' '{mimeType}' is not a valid {type} MIME type.");
        }
    }
}
