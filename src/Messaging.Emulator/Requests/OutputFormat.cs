using System.Text.Json.Nodes;

namespace Messaging.Emulator.Requests;

/// <summary>What <c>response_format</c> asks for: JSON text (optionally with a schema) and/or an image.</summary>
internal sealed record OutputFormat(bool Json, JsonObject? Schema, ImageFormat? Image)
{
    public static readonly OutputFormat PlainText = new(false, null, null);
}

/// <summary>An image output format; only the aspect ratio changes what the emulator draws.</summary>
internal sealed record ImageFormat(string? AspectRatio);
