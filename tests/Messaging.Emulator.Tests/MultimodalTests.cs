using System.Text.Json.Nodes;
using Messaging.Emulator.Tests.Support;
using static Messaging.Emulator.Tests.Support.Interactions;

namespace Messaging.Emulator.Tests;

/// <summary>Seed section 5: multimodal input.</summary>
public sealed class MultimodalTests
{
    [Fact]
    public async Task Describes_each_attachment_with_its_type_mime_type_and_decoded_size_or_uri()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var image = new byte[1234];
        new Random(7).NextBytes(image);
        var input = new JsonArray(
            new JsonObject { ["type"] = "text", ["text"] = "Compare this local image and this remote audio file." },
            new JsonObject { ["type"] = "image", ["data"] = Convert.ToBase64String(image), ["mime_type"] = "image/jpeg" },
            new JsonObject { ["type"] = "audio", ["uri"] = "https://storage.googleapis.com/generativeai-downloads/data/sample.mp3", ["mime_type"] = "audio/mp3" });

        var response = await emulator.CreateAsync(Body("gemini-3.5-flash", input), "v1beta", new Dictionary<string, string> { ["Api-Revision"] = "2026-05-20" });

        response.ShouldBeOk();
        var text = response.OutputText;
        Assert.Contains("image/jpeg, 1234 bytes", text, StringComparison.Ordinal);
        Assert.Contains("audio/mp3, at https://storage.googleapis.com/generativeai-downloads/data/sample.mp3", text, StringComparison.Ordinal);
        Assert.Contains("Compare this local image and this remote audio file.", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Describes_video_and_document_blocks_too()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var input = new JsonArray(
            new JsonObject { ["type"] = "text", ["text"] = "Summarise these." },
            new JsonObject { ["type"] = "video", ["uri"] = "gs://bucket/clip.mp4", ["mime_type"] = "video/mp4" },
            new JsonObject { ["type"] = "document", ["data"] = Convert.ToBase64String(new byte[10]), ["mime_type"] = "application/pdf" });

        var text = (await emulator.CreateAsync(Body("gemini-3.5-flash", input))).OutputText;

        Assert.Contains("a video (video, video/mp4, at gs://bucket/clip.mp4)", text, StringComparison.Ordinal);
        Assert.Contains("a document (document, application/pdf, 10 bytes of inline data)", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Accepts_a_single_content_object_as_input()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var input = new JsonObject { ["type"] = "image", ["data"] = Convert.ToBase64String(new byte[42]), ["mime_type"] = "image/png" };

        var response = await emulator.CreateAsync(Body("gemini-3.5-flash", input));

        response.ShouldBeOk();
        Assert.Contains("image/png, 42 bytes", response.OutputText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Counts_media_in_the_input_tokens()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var textOnly = await emulator.CreateAsync(Body("gemini-3.5-flash", new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "Describe it." })));
        var withImage = await emulator.CreateAsync(Body("gemini-3.5-flash", new JsonArray(
            new JsonObject { ["type"] = "text", ["text"] = "Describe it." },
            new JsonObject { ["type"] = "image", ["data"] = Convert.ToBase64String(new byte[100]), ["mime_type"] = "image/png" })));

        Assert.True((int)withImage.Object["usage"]!["total_input_tokens"]! > (int)textOnly.Object["usage"]!["total_input_tokens"]!);
    }
}
