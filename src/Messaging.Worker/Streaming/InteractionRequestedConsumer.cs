using System.Runtime.InteropServices;
using System.Text.Json;
using MassTransit;
using Mediator;
using Messaging.Client;
using Messaging.Contracts;
using Messaging.Worker.Infrastructure;
using Messaging.Worker.Intake;
using Messaging.Worker.Publishing;
using Messaging.Worker.Quotas;
using Messaging.Worker.Tenants;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Streaming;

/// <summary>
/// The work queue's consumer: hands each <see cref="InteractionRequested"/> to <see cref="StreamInteraction"/>.
/// Bad input is never silent and never lost: an invalid request gets <see cref="InteractionRejected"/> and
/// is then failed on purpose, so MassTransit keeps the original in the <c>_error</c> queue; what cannot be read as a
/// request at all is answered from its raw body by the endpoint's error pipe (<see cref="RequestIntake"/>), and only a
/// message with no readable requestId goes to the error queue unanswered. Each gets one <see cref="Fault{T}"/>.
/// A request whose model's quota is spent waits on the broker instead, announced (<see cref="QuotaDeferrals"/>), as one
/// that does not fit the memory budget does.
/// </summary>
internal sealed class InteractionRequestedConsumer(IMediator mediator, WorkLanes lanes, WorkQueue workQueue, RequestWaits waits, RequestAnswers answers, MemoryBudget budget,
    QuotaDeferrals quota, TenantResolver tenants, RequesterReplies replies, IOptions<WorkerOptions> options, WorkerTelemetry telemetry, ILogger<InteractionRequestedConsumer> logger)
    : IConsumer<InteractionRequested>
{
    /// <summary>How long a request that does not fit the memory budget waits here for room before it waits on the broker.</summary>
    public static readonly TimeSpan MemoryPatience = TimeSpan.FromSeconds(30);

    /// <summary>How long it then waits on the broker before it is tried again.</summary>
    public static readonly TimeSpan MemoryWait = TimeSpan.FromSeconds(1);

    public async Task Consume(ConsumeContext<InteractionRequested> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = context.Message;
        telemetry.Stage(context.SentTime, "received");
        if (message.RequestId == Guid.Empty)
        {
            throw new RequestIdMissingException(); // the error pipe reads the raw body again: the id may be there after all
        }
        // Whose it is, decided once: every copy the worker sends of it (waits, hand-overs) carries the tenant, under the worker's own user.
        var tenant = tenants.Resolve(context.ReceiveContext, message.Tenant);
        if (tenant.Problem is null) message = message with { Tenant = tenant.Tenant };

        var waitingSince = QuotaDeferrals.WaitingSince(context);
        // On the wrong lane (a small request unmarked, a large one marked small): sent on to its own before anything else,
        // with its tenant, its earliest start and its first quota wait.
        if (tenant.Problem is null && lanes.OnWrongLane(context, message))
        {
            await workQueue.SendAsync(message, waits.NotBefore(context), context.CancellationToken, QuotaDeferrals.Carry(waitingSince));
            return;
        }

        if (tenant.Problem is null && waits.NotBefore(context) is { } due)
        {
            // Put off (its messaging-not-before header): it waits on the broker, not here, and comes back at its time.
            await waits.WaitAsync(message, due, context.CancellationToken, QuotaDeferrals.Carry(waitingSince));
            return;
        }

        // Its model's quota is spent for longer than the client waits: it waits on the broker, announced, not here.
        var model = QuotaDeferrals.ModelOf(message.Request);
        if (tenant.Problem is null && quota.HeldUntil(model, waitingSince) is { } held)
        {
            await quota.DeferAsync(context, message, model, held, waitingSince, replies);
            return;
        }

        try
        {
            if (tenant.Problem is { } claimed) throw new RequestValidationException([claimed]);
            var size = message.Request.ValueKind == JsonValueKind.Object ? JsonMarshal.GetRawUtf8Value(message.Request).Length : 0;
            if (size <= options.Value.MaxRequestBytes && !budget.CanEverFit(size))
                throw new RequestValidationException([new ValidationProblem("request",
                    $"is {size} bytes and needs about {MemoryBudget.CostOf(size)} bytes of memory while it runs, more than a replica's budget of {budget.Total} bytes " +
                    "(Worker:MemoryBudget; by default 40 % of the memory the container gives .NET). Send large media by uri, or give the replicas more memory")]);
            using var reservation = await budget.ReserveAsync(size, MemoryPatience, context.CancellationToken);
            if (reservation is null)
            {
                // Not now: it waits on the broker (its memory given back at once) and comes back to any replica.
                telemetry.Outcome("memory_wait");
                logger.LogInformation("Request {RequestId} ({Size} bytes) waits: the replica's memory budget ({Reserved} of {Total} bytes reserved) has no room for it now",
                    message.RequestId, size, budget.Reserved, budget.Total);
                await waits.WaitAsync(message, DateTimeOffset.UtcNow + MemoryWait, context.CancellationToken, QuotaDeferrals.Carry(waitingSince));
                return;
            }
            await mediator.Send(StreamInteraction.From(message) with { QuotaWaitingSince = waitingSince, PublishedAt = context.SentTime }, context.CancellationToken);
        }
        catch (QuotaWaitException wait)
        {
            await quota.DeferAsync(context, message, wait.Model, wait.Until, waitingSince, replies);
        }
        catch (RequestValidationException ex)
        {
            telemetry.Outcome("rejected");
            logger.LogWarning("Request {RequestId} rejected: {Problems}", message.RequestId, ex.Message);
            await replies.PublishAsync(context, new InteractionRejected
            {
                RequestId = message.RequestId,
                ConversationId = message.ConversationId ?? message.RequestId,
                TurnId = message.TurnId ?? message.RequestId,
                Errors = ex.Problems,
            }, message.ReplyTo);
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.CancellationToken.IsCancellationRequested)
        {
            // Not the requester's fault, and nothing answered it: it still gets a final event.
            await answers.FailAsync(context.ReceiveContext, message, $"The worker could not handle the request ({ex.GetType().Name}: {ex.Message}).");
            throw new RequestFailedException($"Request {message.RequestId} failed unanswered; answered with InteractionFailed(internal_error)", ex);
        }
    }
}

/// <summary>
/// The work queue's two lanes (<see cref="WorkLanes"/>), durable queues shared by every replica as competing consumers (quorum
/// queues by default: <see cref="BusOptions.QueueType"/>); a request delivered more than <see cref="BusOptions.DeliveryLimit"/>
/// times is dead-lettered to <see cref="InteractionRequestedPoisonConsumer"/>. The small lane prefetches and runs
/// <see cref="WorkerOptions.MaxConcurrentStreams"/>: its messages are at most <see cref="RequestLanes.SmallRequestBytes"/>.
/// The work queue prefetches <see cref="BusOptions.PrefetchCount"/>, by default what the memory budget holds at
/// <see cref="WorkerOptions.MaxRequestBytes"/> besides a full small lane (<see cref="DefaultPrefetch"/>), and runs no more
/// than it prefetches. Either way a request starts only when it fits the <see cref="MemoryBudget"/>, and waits on the
/// broker when it does not fit now. No message retry: the API client retries what is worth retrying, and running a
/// half-published stream again would duplicate its events. Plain JSON (content type <c>application/json</c>, no
/// MassTransit envelope) is accepted too, for publishers in other languages.
/// </summary>
internal sealed class InteractionRequestedConsumerDefinition : ConsumerDefinition<InteractionRequestedConsumer>
{
    private readonly int _prefetch;
    private readonly int _smallPrefetch;
    private readonly WorkLanes _lanes;
    private readonly BusOptions _bus;

    /// <summary>Reads the limits from the options.</summary>
    public InteractionRequestedConsumerDefinition(IOptions<WorkerOptions> worker, IOptions<BusOptions> bus, MemoryBudget budget, WorkLanes lanes)
    {
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(budget);
        ConcurrentMessageLimit = worker.Value.MaxConcurrentStreams;
        _lanes = lanes;
        _prefetch = bus.Value.PrefetchCount ?? DefaultPrefetch(worker.Value, budget, lanes.Active);
        _smallPrefetch = worker.Value.MaxConcurrentStreams;
        _bus = bus.Value;
    }

    /// <summary>
    /// The work queue's prefetch: no more messages of <see cref="WorkerOptions.MaxRequestBytes"/> than the memory budget
    /// holds once a full small lane's messages are counted (the broker hands over prefetched messages whole, before any of
    /// them is admitted), at least one, at most the stream limit.
    /// </summary>
    public static int DefaultPrefetch(WorkerOptions worker, MemoryBudget budget, bool lanes)
    {
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentNullException.ThrowIfNull(budget);
        var smallLane = lanes ? (long)worker.MaxConcurrentStreams * RequestLanes.SmallRequestBytes : 0;
        return (int)Math.Clamp((budget.Total - smallLane) / worker.MaxRequestBytes, 1, worker.MaxConcurrentStreams);
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<InteractionRequestedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpointConfigurator);
        var small = _lanes.IsSmallLane(endpointConfigurator.InputAddress);
        endpointConfigurator.PrefetchCount = small ? _smallPrefetch : _prefetch;
        if (!small && _lanes.Active) endpointConfigurator.ConcurrentMessageLimit = _prefetch; // it cannot hold more
        // On RabbitMQ the lanes are bound by LaneTopology, not to the requests' exchange directly.
        if (_lanes.Active) endpointConfigurator.ConfigureConsumeTopology = false;
        endpointConfigurator.UseRequestDeserializer(context);
        endpointConfigurator.UseRequestIntake(context);
        // Past the delivery limit a request goes to the poison queue's own exchange, whose consumer answers it.
        var names = context.GetService<IEndpointNameFormatter>() ?? DefaultEndpointNameFormatter.Instance;
        endpointConfigurator.UseSharedQueue(_bus, names.Consumer<InteractionRequestedPoisonConsumer>());
    }
}
