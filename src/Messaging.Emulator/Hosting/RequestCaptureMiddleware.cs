using System.Text;
using Microsoft.Extensions.Options;

namespace Messaging.Emulator.Hosting;

/// <summary>
/// Reads each request body into memory (handlers parse it from there) and records the request.
/// Health probes are not recorded: pollers would drown the requests tests look for.
/// </summary>
internal sealed class RequestCaptureMiddleware(RequestDelegate next, RequestRecorder recorder, IOptions<EmulatorOptions> options, TimeProvider clock)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var receivedAt = clock.GetUtcNow();
        var body = await ReadBodyAsync(request, context.RequestAborted);
        context.Features.Set(new BufferedRequestBody(body));

        if (options.Value.RecordRequests && !request.Path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase))
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var header in request.Headers)
            {
                headers[header.Key] = header.Value.ToString();
            }

            recorder.Record(new RecordedRequest(
                request.Method,
                request.PathBase.Add(request.Path).ToString(),
                request.QueryString.ToString(),
                headers,
                Encoding.UTF8.GetString(body),
                receivedAt));
        }

        await next(context);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength == 0)
        {
            return [];
        }

        using var buffer = new MemoryStream(request.ContentLength is { } length and < int.MaxValue ? (int)length : 4096);
        await request.Body.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }
}
