using System.Text.Json;
using System.Text.Json.Nodes;
using Mediator;
using Messaging.Client;
using Messaging.Contracts;
using Messaging.Interactions;
using Messaging.Interactions.Models;
using Messaging.Interactions.Streaming;
using Messaging.Worker.Budgets;
using Messaging.Worker.Cancels;
using Messaging.Worker.Checkpoints;
using Messaging.Worker.Infrastructure;
using Messaging.Worker.Quotas;
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
    /// <summary>Since when the request has waited for the API's quota (<see cref="QuotaDeferrals"/>); null when it never has.</summary>
    public DateTimeOffset? QuotaWaitingSince { get; init; }

    /// <summary>The tenant its tokens count for, as resolved (<see cref="Tenants.TenantResolver"/>); null for none.</summary>
    public string? Tenant { get; init; }

    /// <summary>Where its events are sent as well (<see cref="InteractionRequested.ReplyTo"/>); null for none.</summary>
    public string? ReplyTo { get; init; }

    /// <summary>When its message was published (the envelope's sentTime), for the start's stages; null when unknown.</summary>
    public DateTime? PublishedAt { get; init; }

    /// <summary>The command for a bus message (its tenant already resolved).</summary>
    public static StreamInteraction From(InteractionRequested message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new(message.RequestId, message.ConversationId, message.TurnId, message.Request) { Tenant = message.Tenant, ReplyTo = message.ReplyTo };
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
    /// <summary>The request had ended before (a duplicate or a late redelivery): nothing was published or called.</summary>
    Duplicate,
    /// <summary><see cref="InteractionRejected"/> with reason <c>over_budget</c>: a token budget it counts against is spent; nothing was called.</summary>
    OverBudget,
    /// <summary>
    /// Its delivery reached <see cref="WorkerOptions.HandOverAfter"/>: the request goes on from a new copy of its message
    /// (sent to the work queue after the lease was released), and this delivery is acknowledged.
    /// </summary>
    HandedOver,
}

/// <summary>
/// Streams the interaction (always <c>stream: true</c>; background runs are created, then followed by a
/// streaming GET, then by polling) through the request's <see cref="InteractionRelay"/>, which publishes every
/// event. <c>requires_continuation</c> is continued automatically. API and stream failures become
/// <see cref="InteractionFailed"/>; a <see cref="CancelInteraction"/> ends in <see cref="InteractionCancelled"/>.
/// Only the host stopping (after <see cref="WorkerOptions.DrainTimeout"/>) escapes as an exception, so the message is redelivered
/// to another replica, which resumes it.
/// <para>
/// Every request is claimed first (<see cref="StreamCheckpoints"/>): a new one runs; one another live replica owns
/// waits for that replica's end or lease; one that ended publishes nothing; one whose owner died is taken over — resumed
/// from its checkpoint on the same stored interaction (never generated again), or, when it cannot be read back
/// (<c>store: false</c>, or its interaction was never recorded), started over as a new attempt. A request ends by
/// recording its final events, then publishing them: a takeover of a request that died while ending publishes the same
/// events again and calls nothing.
/// </para>
/// This handler decides what happens next (claims, hops, following a background run, what a failure means); the relay
/// owns what is published.
/// </summary>
internal sealed class StreamInteractionHandler(
    IInteractionsClient client,
    InteractionRelayFactory relays,
    StreamCheckpoints checkpoints,
    InFlightInteractions inFlight,
    RememberedCancels cancels,
    WorkQueue workQueue,
    RequestEnds ends,
    ApiCancellation apiCancellation,
    QuotaDeferrals quota,
    TokenAdmission tokenAdmission,
    StreamAdmission streamAdmission,
    TokenBudgets budgets,
    TimeProvider clock,
    WorkerTelemetry telemetry,
    IOptions<WorkerOptions> options,
    IOptions<BusOptions> bus,
    ILogger<StreamInteractionHandler> logger) : ICommandHandler<StreamInteraction, StreamOutcome>
{
    private readonly WorkerOptions _options = options.Value;
    // Only a broker has a consumer_timeout: the in-memory transport's deliveries may last as long as their runs.
    private readonly TimeSpan _handOverAfter = bus.Value.RabbitMqUrl is null ? TimeSpan.Zero : options.Value.HandOverAfter;

    public async ValueTask<StreamOutcome> Handle(StreamInteraction command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        // A delivery lives at most HandOverAfter, below the broker's consumer_timeout: a longer run goes on from a fresh
        // copy of its message (the same path as any hand-over: released lease, resumed from the checkpoint).
        using var handOver = new CancellationTokenSource();
        if (_handOverAfter > TimeSpan.Zero) handOver.CancelAfter(_handOverAfter);
        using var delivery = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, handOver.Token);
        try
        {
            return await DeliverAsync(command, delivery.Token);
        }
        catch (OperationCanceledException) when (handOver.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            await workQueue.SendAgainAsync(command, CancellationToken.None);
            telemetry.Takeover("handed_over");
            logger.LogInformation("Request {RequestId} ran for Worker:HandOverAfter ({HandOverAfter}) in one delivery; it goes on from a new copy of its message",
                command.RequestId, _options.HandOverAfter);
            return StreamOutcome.HandedOver;
        }
    }

    private async ValueTask<StreamOutcome> DeliverAsync(StreamInteraction command, CancellationToken cancellationToken)
    {
        var ids = RequestIds.Of(command);
        // A view over the message's own JSON, not a parsed copy of its text: a 15 MB request stays one 15 MB document.
        // Its creates take their tenant's share of a quota (Quota:Limits), each hop's too (a clone keeps it).
        var body = new CreateInteractionRequest(JsonObject.Create(command.Request)!) { Tenant = command.Tenant };
        body.Json.Remove("stream"); // the client decides: always a stream

        using var activity = WorkerTelemetry.ActivitySource.StartActivity("StreamInteraction");
        activity?.SetTag("messaging.request_id", command.RequestId);
        GenAiConventions.Started(activity, body.Model ?? body.Agent, body.Agent is not null, ids.ConversationId);
        // In flight before the claim: a cancel that comes while the request waits for a dead replica's lease is kept.
        using var entry = inFlight.Start(ids.RequestId, ids.ConversationId, ids.TurnId, body.Background == true, cancellationToken);
        var claim = await checkpoints.ClaimAsync(ids.RequestId, RequestBodyHash.Of(command.Request), cancellationToken);
        telemetry.Stage(ids.PublishedAt, "claimed");
        switch (claim.Result)
        {
            case ClaimResult.DifferentBody:
                telemetry.Takeover("rejected");
                throw new RequestValidationException([new ValidationProblem("requestId",
                    "was already used for a different request: a requestId names one request (its duplicates are answered once); use a new requestId for a new request")]);
            case ClaimResult.Ended:
                telemetry.Takeover("duplicate");
                logger.LogInformation("Request {RequestId} has ended already; this delivery publishes nothing", ids.RequestId);
                return StreamOutcome.Duplicate;
            case ClaimResult.Ending:
                telemetry.Takeover("republished");
                return OutcomeOf(await ends.RepublishAsync(ids, claim.Finals!, cancellationToken));
        }

        var ended = false;
        try
        {
            // A cancel that came first (before the request, or while its replica was away) is remembered.
            if (cancels.Names(ids.RequestId, ids.TurnId, claim.Previous?.InteractionId)) entry.RequestCancel();
            InteractionRelay relay;
            try
            {
                relay = await StartAsync(ids, body, claim.Previous, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
            {
                // It could not even start (a checkpoint it cannot restore, a bug): the requester still gets a final event.
                logger.LogError(ex, "Request {RequestId}: it could not be started", ids.RequestId);
                var failed = relays.Create(ids, cancellationToken, (claim.Previous?.Attempt ?? 0) + 1, supersedes: claim.Previous?.InteractionId);
                await ends.EndAsync(failed, failed.Failed("internal_error",
                    $"The worker could not start the request ({ex.GetType().Name}: {ex.Message}).", retryable: true), cancellationToken);
                ended = true;
                telemetry.Outcome("failed");
                return StreamOutcome.Failed;
            }
            // Within its token budgets (Budgets): a request that created nothing yet is refused once one is spent.
            if (relay.InteractionId.Length == 0 && await budgets.SpentAsync(command.Tenant, ids.ConversationId, cancellationToken) is { } spent)
            {
                logger.LogInformation("Request {RequestId} refused: the {Scope} budget of {Subject} is spent ({Used} of {Limit} tokens this {Period})",
                    ids.RequestId, spent.Scope, spent.Subject, spent.Used, spent.Limit, spent.Period);
                await ends.EndAsync(relay, relay.OverBudget(spent, TokenBudgets.Describe(spent)), cancellationToken);
                ended = true;
                telemetry.Outcome("over_budget");
                return StreamOutcome.OverBudget;
            }
            // A place among the model's concurrent streams (Quota:Limits); only a request that created nothing yet may wait on the broker.
            await using var place = await streamAdmission.HoldAsync(body.Model ?? body.Agent ?? "", ids.RequestId, mayDefer: relay.InteractionId.Length == 0, cancellationToken);
            telemetry.StreamsInFlight(1);
            telemetry.Stage(ids.PublishedAt, "admitted");
            var started = clock.GetTimestamp();
            try
            {
                var (outcome, finals) = entry.CancelRequested && relay.InteractionId.Length == 0
                    ? (StreamOutcome.Cancelled, relay.Cancelled()) // this attempt created nothing yet: nothing to call
                    : await RunAsync(body, relay, entry, resume: claim.Previous is not null && relay.InteractionId.Length > 0, command, cancellationToken);
                telemetry.GenAi.Ended(activity, body.Model ?? body.Agent, body.Agent is not null, finals.Events.Select(e => e.Message).ToList(),
                    clock.GetElapsedTime(started));
                await ends.EndAsync(relay, finals, cancellationToken);
                ended = true;
                activity?.SetTag("messaging.outcome", outcome.ToString());
                telemetry.Outcome(outcome.ToString().ToLowerInvariant());
                return outcome;
            }
            finally
            {
                telemetry.StreamsInFlight(-1);
                activity?.SetTag("gen_ai.interaction.id", relay.InteractionId);
            }
        }
        catch (QuotaWaitException)
        {
            // Nothing was created: the lease goes, and the request waits for its quota (the consumer puts it off).
            await checkpoints.ReleaseAsync(ids.RequestId);
            ended = true;
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            logger.LogInformation("Request {RequestId} stops here and is handed over (the replica is stopping, or its delivery reached Worker:HandOverAfter): its lease is released, and the next delivery resumes it from its checkpoint",
                command.RequestId);
            await checkpoints.ReleaseAsync(ids.RequestId);
            ended = true;
            throw;
        }
        finally
        {
            if (!ended) checkpoints.Stop(ids.RequestId); // its lease lapses: a redelivery takes it over
        }
    }

    /// <summary>
    /// The relay for a claimed request: a new one, the previous owner's restored from its checkpoint (a stored
    /// interaction resumes), or a new attempt when the previous one cannot be read back.
    /// </summary>
    private async Task<InteractionRelay> StartAsync(RequestIds ids, CreateInteractionRequest body, StreamCheckpoint? previous, CancellationToken cancellationToken)
    {
        if (previous is null) return relays.Create(ids, cancellationToken);
        if (previous.InteractionId is { } id && !body.IsStateless && previous.State is { } state)
        {
            telemetry.Takeover("resumed");
            logger.LogInformation("Request {RequestId}: resuming interaction {InteractionId} after event {EventId}", ids.RequestId, id,
                state["hop"]?["last_event_id"]);
            return relays.Create(ids, cancellationToken, previous.Attempt, restore: state);
        }

        var attempt = previous.Attempt + 1;
        if (previous.InteractionId is { } stateless)
        {
            telemetry.Takeover("restarted");
            logger.LogWarning("Request {RequestId}: interaction {InteractionId} was store:false and cannot be read back; starting attempt {Attempt}",
                ids.RequestId, stateless, attempt);
            await apiCancellation.TryCancelAsync(stateless);
        }
        else
        {
            telemetry.Takeover("create_window");
            logger.LogWarning("Request {RequestId}: its previous owner stopped before it recorded an interaction; starting attempt {Attempt}",
                ids.RequestId, attempt);
        }
        await checkpoints.RestartAsync(new StreamCheckpoint(ids.RequestId, attempt, null, null), cancellationToken);
        return relays.Create(ids, cancellationToken, attempt, supersedes: previous.InteractionId);
    }

    private static StreamOutcome OutcomeOf(FinalEvents finals) => finals.Events.Select(e => e.Message).LastOrDefault(m => m is not FunctionCallRequested and not InteractionStatusChanged) switch
    {
        InteractionCompleted => StreamOutcome.Completed,
        InteractionRequiresAction => StreamOutcome.RequiresAction,
        InteractionCancelled => StreamOutcome.Cancelled,
        InteractionRejected => StreamOutcome.OverBudget,
        _ => StreamOutcome.Failed,
    };

    private async Task<(StreamOutcome, FinalEvents)> RunAsync(CreateInteractionRequest original, InteractionRelay relay, InFlightInteraction entry,
        bool resume, StreamInteraction command, CancellationToken stopping)
    {
        var body = original;
        var model = original.Model ?? original.Agent ?? "";
        try
        {
            while (true)
            {
                TokenReservation? reserved = null;
                if (resume) await ResumeAsync(relay, entry);
                else
                {
                    // Within the model's tokens per window (Quota:Limits); only a first create may wait on the broker.
                    reserved = await tokenAdmission.ReserveAsync(model, body, mayDefer: relay.InteractionId.Length == 0, entry.Token);
                    if (original.Background == true) await FollowBackgroundAsync(body, relay, entry);
                    else await StreamAsync(body, relay, entry);
                }
                resume = false;

                var hop = relay.EndHop();
                await tokenAdmission.SettleAsync(reserved, hop.Usage?.TotalTokens);
                await budgets.ChargeAsync(command.Tenant, command.ConversationId ?? command.RequestId, model, hop.Usage?.TotalTokens);
                if (hop.Status != InteractionStatus.RequiresContinuation) return Finish(relay, hop, original);

                await relay.StatusAsync(hop.Status.Value);
                if (relay.HopIds.Count > _options.MaxContinuationHops)
                    return Fail(relay, "continuation_limit", $"The API asked for more than {_options.MaxContinuationHops} continuations (Worker:MaxContinuationHops).");
                var token = hop.ContinuationToken ?? (original.IsStateless ? null : (await client.GetAsync(hop.Id, cancellationToken: entry.Token)).ContinuationToken);
                if (token is null)
                    return Fail(relay, "unexpected_status", $"Interaction {hop.Id} ended requires_continuation without a continuation_token.");
                body = NextHop(original, hop.Id, token);
            }
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested && IsHandled(ex))
        {
            return await EndAfterAsync(ex, original, relay, entry, command.QuotaWaitingSince);
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested && ex is not OperationCanceledException and not QuotaWaitException)
        {
            // Anything else (a bug, an answer we cannot read, memory running out): the requester still gets a final event.
            logger.LogError(ex, "Request {RequestId}: an unexpected error ended it", relay.RequestId);
            if (!original.IsStateless && relay.InteractionId.Length > 0) await apiCancellation.TryCancelAsync(relay.InteractionId);
            return Fail(relay, "internal_error", $"The worker could not go on with the request ({ex.GetType().Name}: {ex.Message}).", retryable: true);
        }
    }

    /// <summary>A taken-over stream continues from its checkpoint: the events after its last confirmed one, or the finished interaction.</summary>
    private async Task ResumeAsync(InteractionRelay relay, InFlightInteraction entry)
    {
        entry.Created(relay.InteractionId);
        // A cancel that came while it waited to be claimed: a foreground stream's token has fired already; a background run
        // is cancelled at the API, and its stream then ends cancelled.
        if (entry.CancelRequested && entry.IsBackground && !relay.HopCompleted) await apiCancellation.TryCancelAsync(relay.InteractionId);
        if (relay.HopCompleted) return;
        await relay.RelayAllAsync(client.ResumeStreamAsync(relay.InteractionId, relay.LastEventId, entry.Token), _ => !relay.HopCompleted, entry.Token);
    }

    /// <summary>What a failure while streaming means for the request (the host stopping is not one of them: it escapes).</summary>
    private async Task<(StreamOutcome, FinalEvents)> EndAfterAsync(Exception failure, CreateInteractionRequest original, InteractionRelay relay, InFlightInteraction entry,
        DateTimeOffset? quotaWaitingSince)
    {
        switch (failure)
        {
            case OperationCanceledException when entry.CancelRequested:
                if (!original.IsStateless && relay.InteractionId.Length > 0) await apiCancellation.TryCancelAsync(relay.InteractionId);
                return (StreamOutcome.Cancelled, relay.Cancelled());
            case InteractionsApiException { StatusCode: System.Net.HttpStatusCode.TooManyRequests } refused when relay.InteractionId.Length == 0:
                return QuotaRefused(refused, original.Model ?? original.Agent ?? "", relay, quotaWaitingSince);
            case InteractionsApiException api:
                logger.LogWarning("Request {RequestId}: the API answered {Status} after {Attempts} attempt(s): {ApiMessage}",
                    relay.RequestId, (int)api.StatusCode, api.Attempts, api.ApiMessage);
                var error = api.Error is { } e ? ApiJson.ToElement(e) : ApiJson.ToElement(new JsonObject
                {
                    ["code"] = (int)api.StatusCode, ["status"] = api.ErrorStatus, ["message"] = api.ApiMessage,
                });
                return Fail(relay, "api_error", api.ApiMessage, error, api.IsRetryable, api.Attempts);
            case var broken when IsBrokenStream(broken):
                logger.LogWarning(broken, "Request {RequestId}: the stream of interaction {InteractionId} broke and could not be resumed",
                    relay.RequestId, relay.InteractionId);
                return Fail(relay, "stream_broken", broken.Message, retryable: true);
            case HttpRequestException unreachable:
                logger.LogWarning(unreachable, "Request {RequestId}: the API could not be reached", relay.RequestId);
                return Fail(relay, "api_unreachable", unreachable.Message, retryable: true);
            default:
                // Cancelled, but neither by a CancelInteraction nor by the host: a call's own time limit.
                return Fail(relay, "timeout", failure.Message, retryable: true);
        }
    }

    /// <summary>
    /// The create was refused for quota (or held by a cooldown): a per-day quota fails the request at once
    /// (<c>quota_daily</c>); otherwise it waits (<see cref="QuotaWaitException"/>), at most until it has waited
    /// <c>Quota:MaxWait</c>, and after that it fails (<c>quota</c>).
    /// </summary>
    private (StreamOutcome, FinalEvents) QuotaRefused(InteractionsApiException refused, string model, InteractionRelay relay, DateTimeOffset? waitingSince)
    {
        var error = refused.Error is { } e ? ApiJson.ToElement(e) : ApiJson.ToElement(new JsonObject
        {
            ["code"] = 429, ["status"] = refused.ErrorStatus ?? "RESOURCE_EXHAUSTED", ["message"] = refused.ApiMessage,
        });
        if (refused.IsDailyQuota)
            return Fail(relay, "quota_daily", $"The API's daily quota for {model} is spent ({string.Join(", ", refused.QuotaIds)}): {refused.ApiMessage}",
                error, retryable: true, refused.Attempts);
        var now = clock.GetUtcNow();
        var since = waitingSince ?? now;
        var asked = now + (refused.RetryAfter is { } wait && wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1));
        if (quota.DeferUntil(asked, since) is not { } until)
            return Fail(relay, "quota",
                $"The API's quota for {model} stayed exhausted for as long as the request may wait (Quota:MaxWait, {quota.MaxWait}; it waited {(now - since).TotalSeconds:0} s, and the API asks to wait until {asked:O}). {refused.ApiMessage}",
                error, retryable: true, refused.Attempts);
        logger.LogInformation("Request {RequestId}: the API refused its create for quota ({ApiMessage}); it waits until {Until:O}", relay.RequestId, refused.ApiMessage, until);
        throw new QuotaWaitException(model, until, refused.HeldByCooldown ? "held by a cooldown" : "429");
    }

    private static bool IsHandled(Exception ex) =>
        ex is OperationCanceledException or InteractionsApiException or HttpRequestException || IsBrokenStream(ex);

    private async Task StreamAsync(CreateInteractionRequest body, InteractionRelay relay, InFlightInteraction entry)
    {
        telemetry.Stage(relay.PublishedAt, "api_call");
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
        if (entry.CancelRequested) await apiCancellation.TryCancelAsync(created.Id);
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
    private static (StreamOutcome, FinalEvents) Finish(InteractionRelay relay, Interaction hop, CreateInteractionRequest original)
    {
        var status = hop.Status;
        if (status.HasOutput) return (StreamOutcome.Completed, relay.Completed(original.Model ?? original.Agent));
        if (status == InteractionStatus.RequiresAction) return (StreamOutcome.RequiresAction, relay.RequiresAction(original.Model ?? original.Agent));
        if (status == InteractionStatus.Cancelled) return (StreamOutcome.Cancelled, relay.Cancelled(status.Value));
        if (status == InteractionStatus.Failed) return (StreamOutcome.Failed, relay.HopFailed());
        return (StreamOutcome.Failed, relay.Failed("unexpected_status", $"The interaction ended with status '{status.Value}'.", status: status.Value));
    }

    private static (StreamOutcome, FinalEvents) Fail(InteractionRelay relay, string reason, string message, JsonElement error = default,
        bool retryable = false, int attempts = 1) =>
        (StreamOutcome.Failed, relay.Failed(reason, message, error, retryable, attempts));

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
