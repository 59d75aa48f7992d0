using Messaging.Emulator.Control;

namespace Messaging.Emulator.Streaming;

/// <summary>
/// Sends an interaction's event log as <c>text/event-stream</c>, from a start index, then live
/// until the log ends; one write-and-flush per pre-encoded event. Injects the stream faults:
/// <c>cut_stream</c> (abort), <c>stall</c> (go silent, keep the connection), <c>malformed_sse</c>
/// (one broken <c>data:</c> line) and <c>bare_json_error</c> (a 503 as bare JSON, then the end of the body)
/// after <c>emulator_fault_after</c> events.
/// </summary>
internal static class SseResponseWriter
{
    private static readonly byte[] MalformedFrame =
        "event: step.delta\ndata: {\"event_type\":\"step.delta\",\"index\":0,\"delta\":{\"type\":\"text\",\"text\":\"broken\n\n"u8.ToArray();

    private static readonly byte[] BareJsonError =
        "{\"error\":{\"code\":503,\"message\":\"The model is overloaded. Please try again later.\",\"status\":\"UNAVAILABLE\"}}\n"u8.ToArray();

    private static readonly TimeSpan CutGrace = TimeSpan.FromMilliseconds(50);

    public static async Task WriteAsync(HttpContext context, EventLog log, int start, EmulatorControls controls, CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var cancellationToken = linked.Token;
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";

        var fault = controls.IsStreamFault ? controls.Fault : FaultKind.None;
        var sent = 0;
        var next = start;
        try
        {
            await response.StartAsync(cancellationToken);
            while (true)
            {
                if (fault != FaultKind.None && sent == controls.FaultAfter)
                {
                    switch (fault)
                    {
                        case FaultKind.CutStream:
                            // A flush hands the bytes to Kestrel's transport pipe, not to the socket, and an
                            // abort discards what the pipe still holds: give the sender a moment to drain it.
                            await response.BodyWriter.FlushAsync(cancellationToken);
                            await Task.Delay(CutGrace, cancellationToken);
                            context.Abort();
                            return;
                        case FaultKind.Stall:
                            await Task.Delay(Timeout.Infinite, cancellationToken);
                            return;
                        case FaultKind.BareJsonError:
                            await response.BodyWriter.WriteAsync(BareJsonError, cancellationToken);
                            return;
                        default:
                            await response.BodyWriter.WriteAsync(MalformedFrame, cancellationToken);
                            fault = FaultKind.None;
                            continue;
                    }
                }

                if (!log.TryRead(next, out var frame, out var ended))
                {
                    if (ended)
                    {
                        return;
                    }

                    await log.WaitAsync(next, cancellationToken);
                    continue;
                }

                next++;
                var result = await response.BodyWriter.WriteAsync(frame, cancellationToken);
                if (result.IsCanceled || result.IsCompleted)
                {
                    return;
                }

                sent++;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away or the server is stopping: the run itself carries on.
        }
        catch (IOException)
        {
            // The connection broke mid-write: the same as the client going away.
        }
    }
}
