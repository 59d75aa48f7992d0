namespace Messaging.Emulator.Hosting;

/// <summary>The request body, read once by <see cref="RequestCaptureMiddleware"/> and shared with the handlers.</summary>
internal sealed class BufferedRequestBody(byte[] bytes)
{
    public byte[] Bytes { get; } = bytes;

    public static byte[] Of(HttpContext context) => context.Features.Get<BufferedRequestBody>()?.Bytes ?? [];
}
