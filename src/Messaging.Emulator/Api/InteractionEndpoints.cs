namespace Messaging.Emulator.Api;

/// <summary>
/// The routes: the Interactions API under both <c>/v1</c> (SDK 3.1.0's default) and <c>/v1beta</c>
/// (the seed's REST samples), <c>/health</c>, and a Google-shaped 404 for anything else.
/// Handlers take the raw <see cref="HttpContext"/>: GET, DELETE and cancel carry
/// <c>Content-Type: application/json</c> with an empty body, so nothing is ever bound from it.
/// </summary>
internal static class InteractionEndpoints
{
    private static readonly string[] Versions = ["v1", "v1beta"];

    public static void MapEmulatorEndpoints(this WebApplication app)
    {
        var create = app.Services.GetRequiredService<CreateInteractionHandler>();
        var get = app.Services.GetRequiredService<GetInteractionHandler>();
        var cancel = app.Services.GetRequiredService<CancelInteractionHandler>();
        var delete = app.Services.GetRequiredService<DeleteInteractionHandler>();

        foreach (var version in Versions)
        {
            var interactions = app.MapGroup($"/{version}/interactions");
            interactions.MapPost(string.Empty, new RequestDelegate(create.HandleAsync));
            interactions.MapGet("{id}", new RequestDelegate(get.HandleAsync));
            interactions.MapDelete("{id}", new RequestDelegate(delete.HandleAsync));
            interactions.MapPost("{id}/cancel", new RequestDelegate(cancel.HandleAsync));
            interactions.MapPost("{id}", new RequestDelegate(cancel.HandleCustomMethodAsync));
        }

        // The quota counts, for tests and benchmarks that run the emulator as a process (in-process: EmulatorServer.Quotas).
        var quotas = app.Services.GetRequiredService<Quotas.QuotaLedger>();
        app.MapGet("/emulator/quotas", () => Results.Json(quotas.Report()));

        app.MapGet("/health", static context =>
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            return context.Response.WriteAsync("ok");
        });

        app.MapFallback(static context =>
            ErrorResponse.WriteAsync(context.Response, 404, "NOT_FOUND", $"Method not found: {context.Request.Method} {context.Request.Path}."));
    }
}
