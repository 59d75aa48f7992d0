using System.Buffers;
using System.Text.Json;
using Messaging.Emulator.Json;

namespace Messaging.Emulator.Api;

/// <summary>Writes a JSON body in one piece with the content type the real API uses.</summary>
internal static class JsonResponse
{
    public const string ContentType = "application/json; charset=UTF-8";

    public static async Task WriteAsync(HttpResponse response, Action<Utf8JsonWriter> write)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        await WriteBodyAsync(response, write);
    }

    public static async Task WriteBodyAsync(HttpResponse response, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, EmulatorJson.WriterOptions))
        {
            write(writer);
        }

        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory);
    }
}
