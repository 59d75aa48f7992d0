using Messaging.Emulator.Control;
using Messaging.Emulator.Conversation;
using Messaging.Emulator.Hosting;
using Messaging.Emulator.Json;
using Messaging.Emulator.Model;
using Messaging.Emulator.Quotas;
using Messaging.Emulator.Requests;
using Messaging.Emulator.Signatures;
using Messaging.Emulator.Store;
using Messaging.Emulator.Streaming;

namespace Messaging.Emulator.Api;

/// <summary>
/// <c>POST /{v}/interactions</c>: validate, resolve the chained history, verify a resent one,
/// plan the turn, then answer as JSON, as SSE (<c>stream: true</c>), or at once for background.
/// </summary>
internal sealed class CreateInteractionHandler(
    ControlResolver controlResolver,
    FaultGate faults,
    InteractionStore store,
    HistoryVerifier verifier,
    ResponsePlanner planner,
    ContinuationTokens tokens,
    QuotaLedger quotas,
    TimeProvider clock,
    IHostApplicationLifetime lifetime,
    ILogger<InteractionRun> runLogger)
{
    public async Task HandleAsync(HttpContext context)
    {
        var bytes = BufferedRequestBody.Of(context);
        var body = CreateRequestParser.ParseBody(bytes);
        var controls = faults.Apply(context, bytes, controlResolver.ForCreate(body, context.Request.Headers));
        var request = CreateRequestParser.Parse(body);

        InteractionRun? previous = null;
        if (request.PreviousInteractionId is { } previousId)
        {
            if (!store.TryGet(previousId, out previous))
            {
                throw ApiException.NotFound(
                    $"Interaction not found: previous_interaction_id '{previousId}' does not exist, was deleted, or was created with store=false.");
            }

            if (!previous.IsFinished)
            {
                throw ApiException.FailedPrecondition(
                    $"previous_interaction_id '{previousId}' is still in_progress; wait until it finishes before continuing from it.");
            }
        }

        var hopsDone = HopsDone(request);
        var history = previous?.ConversationAfter() ?? [];
        verifier.Verify(request.InputSteps, history);

        var id = Ids.Interaction();
        var environmentId = request.Environment is { } environment ? environment.ReuseId ?? previous?.EnvironmentId ?? Ids.Environment() : null;
        var plan = planner.Plan(new PlanningContext(id, request, history, controls, hopsDone, environmentId));
        var lease = quotas.Admit(ApiKeyOf(context.Request), request.ModelOrAgent, plan.InputTokens, controls.Quota);
        var run = new InteractionRun(id, request, history, plan, controls, environmentId, clock, runLogger);
        _ = run.Completion.ContinueWith(_ => lease.End(UsedTokens(run.Snapshot())), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        if (request.Store)
        {
            store.Add(run);
        }

        run.Start(lifetime.ApplicationStopping);

        if (request.Stream)
        {
            await SseResponseWriter.WriteAsync(context, run.Events, 0, controls, lifetime.ApplicationStopping);
            return;
        }

        if (!request.Background)
        {
            await run.Completion.WaitAsync(context.RequestAborted);
        }

        var snapshot = run.Snapshot();
        await UnaryResponse.WriteAsync(context, controls, w => InteractionRenderer.WriteCreated(w, run, snapshot), lifetime.ApplicationStopping);
    }

    // Gemini's key comes as x-goog-api-key or ?key=; quotas count each apart (none counts as the empty key).
    private static string ApiKeyOf(HttpRequest request) =>
        request.Headers["x-goog-api-key"].ToString() is { Length: > 0 } header ? header : request.Query["key"].ToString();

    private static long UsedTokens(RunSnapshot snapshot) =>
        (snapshot.Usage?["total_output_tokens"]?.GetValue<int>() ?? 0) + (snapshot.Usage?["total_thought_tokens"]?.GetValue<int>() ?? 0);

    private int HopsDone(CreateRequest request)
    {
        if (request.ContinuationToken is not { } token)
        {
            return 0;
        }

        if (!tokens.TryRead(token, out var state))
        {
            throw ApiException.InvalidArgument("'continuation_token' is not a token this server issued.");
        }

        if (request.Store && state.InteractionId != request.PreviousInteractionId)
        {
            throw ApiException.InvalidArgument(
                $"'previous_interaction_id' must name the interaction that issued the 'continuation_token' ('{state.InteractionId}').");
        }

        return state.HopsDone;
    }
}
