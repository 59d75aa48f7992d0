namespace Messaging.Emulator.Api;

/// <summary>
/// Turns <see cref="ApiException"/> into Google's error body, and any other failure into a
/// 500 <c>INTERNAL</c> one, so clients always see a parseable error.
/// </summary>
internal sealed class ApiErrorMiddleware(RequestDelegate next, ILogger<ApiErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (ApiException error) when (!context.Response.HasStarted)
        {
            await ErrorResponse.WriteAsync(context.Response, error);
        }
        catch (BadHttpRequestException error) when (!context.Response.HasStarted)
        {
            // Kestrel's own rejections (e.g. an oversized body) in the API's error shape.
            await ErrorResponse.WriteAsync(context.Response, 400, "INVALID_ARGUMENT", error.Message);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody left to answer.
        }
#pragma warning disable CA1031 // Last-resort handler: every failure must still answer with the API's error shape.
        catch (Exception error) when (!context.Response.HasStarted)
#pragma warning restore CA1031
        {
            logger.LogError(error, "Unhandled failure for {Method} {Path}", context.Request.Method, context.Request.Path);
            await ErrorResponse.WriteAsync(context.Response, 500, "INTERNAL", "Internal error encountered.");
        }
    }
}
