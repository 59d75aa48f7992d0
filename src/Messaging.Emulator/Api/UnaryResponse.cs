using System.Buffers;
using System.Text.Json;
using Messaging.Emulator.Control;
using Messaging.Emulator.Json;

namespace Messaging.Emulator.Api;

/// <summary>
/// Writes a JSON interaction, or — for a non-streaming request that asked for a stream fault —
/// the unary equivalent: <c>cut_stream</c> aborts the connection, <c>stall</c> never answers,
/// <c>malformed_sse</c> sends a truncated JSON body.
/// </summary>
internal static class UnaryResponse
{
    public static async Task WriteAsync(HttpContext context, EmulatorControls controls, Action<Utf8JsonWriter> write, CancellationToken stopping)
    {
        switch (controls.IsStreamFault ? controls.Fault : FaultKind.None)
        {
            case FaultKind.CutStream:
                context.Abort();
                return;
            case FaultKind.Stall:
                using (var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping))
                {
                    try
                    {
                        await Task.Delay(Timeout.Infinite, linked.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        // The client gave up, as a stalled call makes it do.
                    }
                }

                return;
            case FaultKind.MalformedSse:
                var buffer = new ArrayBufferWriter<byte>();
                using (var writer = new Utf8JsonWriter(buffer, EmulatorJson.WriterOptions))
                {
                    write(writer);
                }

                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentType = JsonResponse.ContentType;
                await context.Response.Body.WriteAsync(buffer.WrittenMemory[..(buffer.WrittenCount / 2)], context.RequestAborted);
                return;
            default:
                await JsonResponse.WriteAsync(context.Response, write);
                return;
        }
    }
}
