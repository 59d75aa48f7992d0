using System.Text.Json;
using System.Text.Json.Nodes;
using Mediator;
using Messaging.Contracts;
using Messaging.Interactions;
using Messaging.Interactions.Models;
using Messaging.Interactions.Streaming;
using Messaging.Worker.Infrastructure;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Streaming;

/// <summary>
/// Run one <see cref="InteractionRequested"/>: stream the interaction from the API and publish every
/// event on the bus, ending with the event its final status maps to.
/// </summary>
/// <param name="RequestId">The request's id (never empty: the consumer refuses such messages).</param>
/// <param name="ConversationId">The conversation as sent; null defaults to <paramref name="RequestId"/>.</param>
/// <param name="TurnId">The turn as sent; null defaults to <paramref name="RequestId"/>.</param>
/// <param name="Request">The API create body.</param>
internal sealed record StreamInteraction(Guid RequestId, Guid? ConversationId, Guid? TurnId, JsonElement Request) : ICommand<StreamOutcome>
{
    /// <summary>The command for a bus message.</summary>
    public static StreamInteraction From(InteractionRequested message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new(message.RequestId, message.ConversationId, message.TurnId, message.Request);
    }
}

/// <summary>How a <see cref="StreamInteraction"/> ended; the matching event is already published.</summary>
internal enum StreamOutcome
{
    /// <summary><see cref="InteractionCompleted"/> (completed, incomplete or budget_exceeded).</summary>
    Completed,
    /// <summary><see cref="InteractionRequiresAction"/> and one <see cref="FunctionCallRequested"/> per call.</summary>
    RequiresAction,
    /// <summary><see cref="InteractionFailed"/>.</summary>
    Failed,
    /// <summary><see cref="InteractionCancelled"/>.</summary>
    Cancelled,
}

/// <summary>
/// Streams the interaction (always <c>stream: true</c>; background runs are created, then followed by a
/// streaming GET, then by polling) through the request's <see cref="InteractionRelay"/>, which publishes every
/// event. <c>requires_continuation</c> is continued automatically. API and stream failures become
/// <see cref="InteractionFailed"/>; a <see cref="CancelInteraction"/> ends in <see cref="InteractionCancelled"/>.
/// Only the host stopping escapes as an exception, so the message is redelivered to another replica.
/// This handler decides what happens next (hops, following a background run, what a failure means); the relay
/// owns what is published.
/// </summary>
internal sealed class StreamInteractionHandler(
    IInteractionsClient client,
    InteractionRelayFactory relays,
    InFlightInteractions inFlight,
    WorkerTelemetry telemetry,
    IOptions<WorkerOptions> options,
    ILogger<StreamInteractionHandler> logger) : ICommandHandler<StreamInteraction, StreamOutcome>
{
    private static readonly TimeSpan ApiCancelTimeout = TimeSpan.FromSeconds(10);
    private readonly WorkerOptions _options = options.Value;
    public async ValueTask<StreamOutcome> Handle(StreamInteraction command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var ids = RequestIds.Of(command);
        var body = CreateInteractionRequest.Parse(command.Request.GetRawText());
        body.Json.Remove("stream"); // the client decides: always a stream

        using var activity = WorkerTelemetry.ActivitySource.StartActivity("StreamInteraction");
        activity?.SetTag("messaging.request_id", command.RequestId);
        activity?.SetTag("gen_ai.request.model", body.Model ?? body.Agent);
        using var entry = inFlight.Start(ids.RequestId, ids.ConversationId, ids.TurnId, body.Background == true, cancellationToken);
        var relay = relays.Create(ids, cancellationToken);
        telemetry.StreamsInFlight(1);
        try
        {
            var outcome = await RunAsync(body, relay, entry, cancellationToken);
            await relay.ConfirmAsync(); // every event on the broker before the request is acknowledged
            activity?.SetTag("messaging.outcome", outcome.ToString());
            telemetry.Outcome(outcome.ToString().ToLowerInvariant());
            return outcome;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Request {RequestId} stopped with the host after interaction {InteractionId}; the message goes back to the queue",
                command.RequestId, relay.InteractionId);
            throw;
        }
        finally
        {
            telemetry.StreamsInFlight(-1);
            activity?.SetTag("gen_ai.interaction.id", relay.InteractionId);
        }
    }

    private async Task<StreamOutcome> RunAsync(CreateInteractionRequest original, InteractionRelay relay, InFlightInteraction entry, CancellationToken stopping)
    {
        var body = original;
        try
        {
            while (true)
            {
                if (original.Background == true) await FollowBackgroundAsync(body, relay, entry);
                else await StreamAsync(body, relay, entry);

                var hop = relay.EndHop();
                if (hop.Status != InteractionStatus.RequiresContinuation) return await FinishAsync(relay, hop, original);

                await relay.StatusAsync(hop.Status.Value);
                if (relay.HopIds.Count > _options.MaxContinuationHops)
                    return await FailAsync(relay, "continuation_limit", $"The API asked for more than {_options.MaxContinuationHops} continuations (Worker:MaxContinuationHops).");
                var token = hop.ContinuationToken ?? (original.IsStateless ? null : (await client.GetAsync(hop.Id, cancellationToken: entry.Token)).ContinuationToken);
                if (token is null)
                    return await FailAsync(relay, "unexpected_status", $"Interaction {hop.Id} ended requires_continuation without a continuation_token.");
                body = NextHop(original, hop.Id, token);
            }
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested && IsHandled(ex))
        {
            return await EndAfterAsync(ex, original, relay, entry);
        }
    }

    /// <summary>What a failure while streaming means for the request (the host stopping is not one of them: it escapes).</summary>
    private async Task<StreamOutcome> EndAfterAsync(Exception failure, CreateInteractionRequest original, InteractionRelay relay, InFlightInteraction entry)
    {
        switch (failure)
        {
            case OperationCanceledException when entry.CancelRequested:
                if (!original.IsStateless && relay.InteractionId.Length > 0) await TryCancelAtApiAsync(relay.InteractionId);
                await relay.CancelledAsync();
                return StreamOutcome.Cancelled;
            case InteractionsApiException api:
                logger.LogWarning("Request {RequestId}: the API answered {Status} after {Attempts} attempt(s): {ApiMessage}",
                    relay.RequestId, (int)api.StatusCode, api.Attempts, api.ApiMessage);
                var error = api.Error is { } e ? ApiJson.ToElement(e) : ApiJson.ToElement(new JsonObject
                {
                    ["code"] = (int)api.StatusCode, ["status"] = api.ErrorStatus, ["message"] = api.ApiMessage,
                });
                return await FailAsync(relay, "api_error", api.ApiMessage, error, api.IsRetryable, api.Attempts);
            case var broken when IsBrokenStream(broken):
                logger.LogWarning(broken, "Request {RequestId}: the stream of interaction {InteractionId} broke and could not be resumed",
                    relay.RequestId, relay.InteractionId);
                return await FailAsync(relay, "stream_broken", broken.Message, retryable: true);
            case HttpRequestException unreachable:
                logger.LogWarning(unreachable, "Request {RequestId}: the API could not be reached", relay.RequestId);
                return await FailAsync(relay, "api_unreachable", unreachable.Message, retryable: true);
            default:
                // Cancelled, but neither by a CancelInteraction nor by the host: a call's own time limit.
                return await FailAsync(relay, "timeout", failure.Message, retryable: true);
        }
    }

    private static bool IsHandled(Exception ex) =>
        ex is OperationCanceledException or InteractionsApiException or HttpRequestException || IsBrokenStream(ex);

    private async Task StreamAsync(CreateInteractionRequest body, InteractionRelay relay, InFlightInteraction entry)
    {
        await relay.RelayAllAsync(client.CreateStreamAsync(body, entry.Token), evt =>
        {
            if (evt is InteractionCreatedEvent && relay.InteractionId.Length > 0) entry.Created(relay.InteractionId);
            return true;
        }, entry.Token);
    }

    /// <summary>
    /// A background run is created (it returns at once), then followed with a streaming GET, resumed from the
    /// last event when it breaks, and polled when resuming no longer helps. Every wait is asynchronous:
    /// no thread is held while the run works.
    /// </summary>
    private async Task FollowBackgroundAsync(CreateInteractionRequest body, InteractionRelay relay, InFlightInteraction entry)
    {
        var created = await client.CreateAsync(body, entry.Token);
        entry.Created(created.Id);
        await relay.CreatedAsync(created);
        if (entry.CancelRequested) await TryCancelAtApiAsync(created.Id);
        if (created.Status.IsFinal)
        {
            await relay.RelayAsync(new InteractionSnapshotEvent(created.WithoutInputSteps()));
            return;
        }

        for (var resumes = 0; resumes <= _options.MaxFollowResumes; resumes++)
        {
            try
            {
                await relay.RelayAllAsync(client.GetStreamAsync(created.Id, relay.LastEventId, cancellationToken: entry.Token),
                    _ => !relay.HopCompleted, entry.Token);
                if (relay.HopCompleted) return;
                logger.LogInformation("The stream of background interaction {InteractionId} ended early; resuming", created.Id);
            }
            catch (Exception ex) when (IsBrokenStream(ex) && !entry.Token.IsCancellationRequested)
            {
                logger.LogInformation(ex, "The stream of background interaction {InteractionId} broke; resuming", created.Id);
            }
        }

        while (true)
        {
            var current = await client.GetAsync(created.Id, cancellationToken: entry.Token);
            await relay.StatusAsync(current.Status.Value);
            if (current.Status.IsFinal)
            {
                await relay.RelayAsync(new InteractionSnapshotEvent(current.WithoutInputSteps()));
                return;
            }
            await Task.Delay(_options.BackgroundPollInterval, entry.Token);
        }
    }

    /// <summary>The last hop's status decides the final event.</summary>
    private static async Task<StreamOutcome> FinishAsync(InteractionRelay relay, Interaction hop, CreateInteractionRequest original)
    {
        var status = hop.Status;
        if (status.HasOutput)
        {
            await relay.CompletedAsync(original.Model ?? original.Agent);
            return StreamOutcome.Completed;
        }
        if (status == InteractionStatus.RequiresAction)
        {
            await relay.RequiresActionAsync(original.Model ?? original.Agent);
            return StreamOutcome.RequiresAction;
        }
        await relay.StatusAsync(status.Value);
        if (status == InteractionStatus.Cancelled)
        {
            await relay.CancelledAsync();
            return StreamOutcome.Cancelled;
        }
        if (status == InteractionStatus.Failed)
        {
            await relay.HopFailedAsync();
            return StreamOutcome.Failed;
        }
        return await FailAsync(relay, "unexpected_status", $"The interaction ended with status '{status.Value}'.");
    }

    private static async Task<StreamOutcome> FailAsync(InteractionRelay relay, string reason, string message, JsonElement error = default,
        bool retryable = false, int attempts = 1)
    {
        await relay.FailedAsync(reason, message, error, retryable, attempts);
        return StreamOutcome.Failed;
    }

    /// <summary>Asks the API to stop a run we no longer follow, so it stops costing tokens; a run that already ended answers 400.</summary>
    private async Task TryCancelAtApiAsync(string interactionId)
    {
        using var timeout = new CancellationTokenSource(ApiCancelTimeout);
        try
        {
            await client.CancelAsync(interactionId, timeout.Token);
        }
        catch (Exception ex) when (ex is InteractionsApiException or OperationCanceledException or HttpRequestException)
        {
            logger.LogInformation("Interaction {InteractionId} could not be cancelled at the API: {Reason}", interactionId, ex.Message);
        }
    }

    private static CreateInteractionRequest NextHop(CreateInteractionRequest original, string hopId, string token)
    {
        // As the SDK continues: stored runs chain from the hop without resending input; stateless ones resend it.
        var next = original.Clone();
        if (!original.IsStateless)
        {
            next.Json.Remove("input");
            next.PreviousInteractionId = hopId;
        }
        next.ContinuationToken = token;
        return next;
    }

    private static bool IsBrokenStream(Exception ex) => ex is InteractionStreamException or IOException or TimeoutException;
}
