using Messaging.Emulator.Control;
using Messaging.Emulator.Hosting;
using Messaging.Emulator.Store;

namespace Messaging.Emulator.Api;

/// <summary>
/// <c>POST /{v}/interactions/{id}/cancel</c> (and the <c>{id}:cancel</c> form): stops a running
/// interaction, which ends <c>cancelled</c>; a finished one answers 400 <c>FAILED_PRECONDITION</c>.
/// </summary>
internal sealed class CancelInteractionHandler(ControlResolver controlResolver, FaultGate faults, InteractionStore store)
{
    private const string CustomMethodSuffix = ":cancel";

    public Task HandleAsync(HttpContext context) =>
        CancelAsync(context, context.Request.RouteValues["id"] as string ?? string.Empty);

    /// <summary>The Google custom-method form, <c>POST …/interactions/{id}:cancel</c>.</summary>
    public Task HandleCustomMethodAsync(HttpContext context)
    {
        var segment = context.Request.RouteValues["id"] as string ?? string.Empty;
        if (!segment.EndsWith(CustomMethodSuffix, StringComparison.Ordinal))
        {
            throw new ApiException(404, "NOT_FOUND", $"Method not found: POST {context.Request.Path}.");
        }

        return CancelAsync(context, segment[..^CustomMethodSuffix.Length]);
    }

    private async Task CancelAsync(HttpContext context, string id)
    {
        faults.Apply(context, BufferedRequestBody.Of(context), controlResolver.ForFollowUp(context.Request.Headers));
        if (!store.TryGet(id, out var run))
        {
            throw ApiException.NotFound();
        }

        if (!await run.CancelAsync())
        {
            throw ApiException.FailedPrecondition(
                $"Interaction '{id}' cannot be cancelled: its status is '{run.Snapshot().Status}'; only running interactions can be cancelled.");
        }

        var snapshot = run.Snapshot();
        await JsonResponse.WriteAsync(context.Response, w => InteractionRenderer.WriteTimeline(w, run, snapshot, includeInput: false));
    }
}
