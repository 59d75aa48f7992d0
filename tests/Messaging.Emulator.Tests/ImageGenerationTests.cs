using System.Text.Json.Nodes;
using Messaging.Emulator.Tests.Support;
using static Messaging.Emulator.Tests.Support.Interactions;

namespace Messaging.Emulator.Tests;

/// <summary>Seed section 6: image generation.</summary>
public sealed class ImageGenerationTests
{
    private const string ImageModel = "gemini-3.1-flash-image";

    [Fact]
    public async Task An_image_model_answers_with_a_model_output_holding_a_png_image_block()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var response = await emulator.CreateAsync(Body(ImageModel, "Generate an image of a futuristic city skyline at sunset"));

        response.ShouldBeOk();
        var output = response.Steps.Single(s => (string?)s!["type"] == "model_output")!;
        var image = output["content"]!.AsArray().Single()!;
        Assert.Equal("image", (string?)image["type"]);
        Assert.Equal("image/png", (string?)image["mime_type"]);
        Assert.Equal(ImageModel, (string?)response.Object["model"]);
    }

    [Fact]
    public async Task The_png_has_a_valid_signature_header_and_checksums_and_decodes_to_its_size()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var png = PngReader.Read(await ImageBytesAsync(emulator, "Generate an image of a futuristic city skyline at sunset"));

        Assert.Equal(["IHDR", "IDAT", "IEND"], png.ChunkTypes);
        Assert.Equal(32, png.Width);
        Assert.Equal(32, png.Height);
        Assert.Equal(8, png.BitDepth);
        Assert.Equal(2, png.ColourType);
        Assert.Equal(png.Height * (1 + (png.Width * 3)), png.Scanlines.Length);
        Assert.True(png.Scanlines.Distinct().Count() > 4, "the picture should not be a single flat colour");
    }

    [Fact]
    public async Task The_same_prompt_draws_the_same_picture_and_another_prompt_another()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var first = await ImageBytesAsync(emulator, "a red fox in the snow");
        var again = await ImageBytesAsync(emulator, "a red fox in the snow");
        var other = await ImageBytesAsync(emulator, "a lighthouse at night");

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public async Task An_image_response_format_with_an_aspect_ratio_shapes_the_picture()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Body(ImageModel, "a wide panorama");
        body["response_format"] = new JsonObject { ["type"] = "image", ["aspect_ratio"] = "16:9" };

        var png = PngReader.Read(ImageBytes(await emulator.CreateAsync(body)));

        Assert.Equal(57, png.Width);
        Assert.Equal(32, png.Height);
    }

    [Fact]
    public async Task A_streamed_image_arrives_as_one_image_delta()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var stream = await emulator.StreamAsync(Body(ImageModel, "a red fox in the snow"));

        var events = await stream.ReadAllAsync();

        var delta = events.Single(e => e.EventType == "step.delta" && (string?)e.Data!["delta"]!["type"] == "image").Data!["delta"]!;
        Assert.Equal("image/png", (string?)delta["mime_type"]);
        Assert.Equal(await ImageBytesAsync(emulator, "a red fox in the snow"), Convert.FromBase64String((string)delta["data"]!));
    }

    private static async Task<byte[]> ImageBytesAsync(TestEmulator emulator, string prompt) =>
        ImageBytes(await emulator.CreateAsync(Body(ImageModel, prompt)));

    private static byte[] ImageBytes(ApiResponse response)
    {
        response.ShouldBeOk();
        var image = response.Steps.Last()!["content"]!.AsArray().Last(b => (string?)b!["type"] == "image")!;
        return Convert.FromBase64String((string)image["data"]!);
    }
}
