using Messaging.Emulator.Control;
using Messaging.Emulator.Hosting;
using Messaging.Emulator.Store;

namespace Messaging.Emulator.Api;

/// <summary><c>DELETE /{v}/interactions/{id}</c>: 200 with <c>{}</c> (the SDK rejects 204); a running interaction is cancelled.</summary>
internal sealed class DeleteInteractionHandler(ControlResolver controlResolver, FaultGate faults, InteractionStore store)
{
    public async Task HandleAsync(HttpContext context)
    {
        faults.Apply(context, BufferedRequestBody.Of(context), controlResolver.ForFollowUp(context.Request.Headers));
        var id = context.Request.RouteValues["id"] as string ?? string.Empty;
        if (!store.TryRemove(id, out var run))
        {
            throw ApiException.NotFound();
        }

        if (!run.IsFinished)
        {
            await run.CancelAsync();
        }

        await JsonResponse.WriteAsync(context.Response, static w =>
        {
            w.WriteStartObject();
            w.WriteEndObject();
        });
    }
}
