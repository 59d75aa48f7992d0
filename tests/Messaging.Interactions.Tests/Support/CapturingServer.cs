using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Messaging.Interactions.Tests.Support;

/// <summary>One request as it reached the capturing server.</summary>
internal sealed record CapturedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : null;
}

/// <summary>
/// A loopback server that records every request and answers a minimal valid 200 (JSON, or one
/// <c>interaction.completed</c> event when the client accepts an event stream), to compare what
/// two clients put on the wire.
/// </summary>
internal sealed class CapturingServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<CapturedRequest> _requests = new();

    private CapturingServer(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public IReadOnlyList<CapturedRequest> Requests => _requests.ToArray();

    public void Clear() => _requests.Clear();

    public static async Task<CapturingServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new CapturingServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address);
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        _requests.Enqueue(new CapturedRequest(context.Request.Method, context.Request.Path.Value ?? "", context.Request.QueryString.Value ?? "", headers, body));

        if (context.Request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.Ordinal))
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync(
                "event: interaction.completed\ndata: {\"event_type\":\"interaction.completed\",\"event_id\":\"e1\",\"interaction\":{\"id\":\"int_1\",\"status\":\"completed\",\"usage\":{\"total_tokens\":1}}}\n\n",
                context.RequestAborted);
            return;
        }
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync("{\"id\":\"int_1\",\"status\":\"completed\",\"steps\":[]}", context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
