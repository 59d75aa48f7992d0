namespace Messaging.Cli.Requests;

/// <summary>The API content type and MIME type of a local file, by extension (the API accepts these).</summary>
internal static class MediaTypes
{
    private static readonly Dictionary<string, (string Type, string Mime)> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".png"] = ("image", "image/png"), [".jpg"] = ("image", "image/jpeg"), [".jpeg"] = ("image", "image/jpeg"),
        [".webp"] = ("image", "image/webp"), [".gif"] = ("image", "image/gif"), [".heic"] = ("image", "image/heic"),
        [".heif"] = ("image", "image/heif"), [".bmp"] = ("image", "image/bmp"), [".tif"] = ("image", "image/tiff"), [".tiff"] = ("image", "image/tiff"),
        [".wav"] = ("audio", "audio/wav"), [".mp3"] = ("audio", "audio/mp3"), [".aiff"] = ("audio", "audio/aiff"),
        [".aac"] = ("audio", "audio/aac"), [".ogg"] = ("audio", "audio/ogg"), [".flac"] = ("audio", "audio/flac"),
        [".m4a"] = ("audio", "audio/m4a"), [".opus"] = ("audio", "audio/opus"), [".webm"] = ("video", "video/webm"),
        [".mp4"] = ("video", "video/mp4"), [".mpeg"] = ("video", "video/mpeg"), [".mov"] = ("video", "video/mov"),
        [".avi"] = ("video", "video/avi"), [".wmv"] = ("video", "video/wmv"), [".3gp"] = ("video", "video/3gpp"),
        [".pdf"] = ("document", "application/pdf"), [".csv"] = ("document", "text/csv"), [".txt"] = ("document", "text/plain"),
        [".docx"] = ("document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        [".xlsx"] = ("document", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        [".pptx"] = ("document", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    };

    public static bool TryGet(string path, out string type, out string mime)
    {
        if (ByExtension.TryGetValue(Path.GetExtension(path), out var found))
        {
            (type, mime) = found;
            return true;
        }
        (type, mime) = ("", "");
        return false;
    }

    public static string Supported => string.Join(", ", ByExtension.Keys.Order());
}
