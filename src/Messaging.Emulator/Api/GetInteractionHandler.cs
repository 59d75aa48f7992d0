using Messaging.Emulator.Control;
using Messaging.Emulator.Hosting;
using Messaging.Emulator.Store;
using Messaging.Emulator.Streaming;

namespace Messaging.Emulator.Api;

/// <summary>
/// <c>GET /{v}/interactions/{id}</c>: the full timeline as JSON, or with <c>stream=true</c> the
/// event log replayed after <c>last_event_id</c> (from the start without it) and then followed live.
/// </summary>
internal sealed class GetInteractionHandler(ControlResolver controlResolver, FaultGate faults, InteractionStore store, IHostApplicationLifetime lifetime)
{
    public async Task HandleAsync(HttpContext context)
    {
        var controls = faults.Apply(context, BufferedRequestBody.Of(context), controlResolver.ForFollowUp(context.Request.Headers));
        var id = context.Request.RouteValues["id"] as string ?? string.Empty;
        var stream = QueryFlags.Read(context.Request, "stream");
        var includeInput = QueryFlags.Read(context.Request, "include_input");
        if (!store.TryGet(id, out var run))
        {
            throw ApiException.NotFound();
        }

        if (!stream)
        {
            var snapshot = run.Snapshot();
            await JsonResponse.WriteAsync(context.Response, w => InteractionRenderer.WriteTimeline(w, run, snapshot, includeInput));
            return;
        }

        var start = 0;
        var lastEventId = context.Request.Query["last_event_id"].ToString();
        if (lastEventId.Length > 0)
        {
            if (!EventEncoder.TryParseEventId(lastEventId, out start) || start > run.Events.Count)
            {
                throw ApiException.InvalidArgument($"'last_event_id' '{lastEventId}' does not name an event of interaction '{id}'.");
            }
        }

        if (lastEventId.Length > 0)
        {
            switch (run.Controls.ResumeFault)
            {
                case ResumeFault.UnknownNameStream:
                    throw ApiException.InvalidArgument(
                        "Invalid JSON payload received. Unknown name \"stream\": Cannot bind query parameter. Field 'stream' could not be found in request message.");
                case ResumeFault.ReplayThenHang:
                    controls = controls with { Fault = FaultKind.Stall, FaultAfter = 2 };
                    break;
            }
        }

        await SseResponseWriter.WriteAsync(context, run.Events, start, controls, lifetime.ApplicationStopping);
    }
}
