using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Messaging.Emulator.Json;
using Messaging.Emulator.Requests;

namespace Messaging.Emulator.Model;

/// <summary>
/// Describes the media blocks of the newest user turn: kind, MIME type and decoded size in bytes
/// (or the uri), so a client can see that its attachments arrived intact.
/// </summary>
internal static class AttachmentDescriber
{
    public static string? Describe(IReadOnlyList<JsonObject> attachments)
    {
        if (attachments.Count == 0)
        {
            return null;
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"You attached {attachments.Count} {(attachments.Count == 1 ? "file" : "files")}: ");
        for (var i = 0; i < attachments.Count; i++)
        {
            if (i > 0)
            {
                text.Append(i == attachments.Count - 1 ? " and " : ", ");
            }

            text.Append(Describe(attachments[i]));
        }

        return text.Append('.').ToString();
    }

    private static string Describe(JsonObject block)
    {
        var type = EmulatorJson.TypeOf(block);
        var kind = type switch
        {
            ApiTypes.Image => "an image",
            ApiTypes.Audio => "an audio file",
            ApiTypes.Video => "a video",
            _ => "a document",
        };
        var mime = EmulatorJson.StringOrNull(block["mime_type"]) ?? "unspecified MIME type";
        if (ContentValidator.DecodedSize(block) is { } size)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{kind} ({type}, {mime}, {size} bytes of inline data)");
        }

        return $"{kind} ({type}, {mime}, at {EmulatorJson.StringOrNull(block["uri"])})";
    }
}
