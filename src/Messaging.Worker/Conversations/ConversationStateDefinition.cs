using MassTransit;
using Messaging.Client;
using Messaging.Worker.Intake;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Conversations;

/// <summary>
/// The saga's queue (<c>conversation-state</c>, a quorum queue by default), shared by every replica. A message that loses an optimistic-concurrency
/// race (another replica saved the same conversation first) is retried against the fresh state; the in-memory outbox
/// holds what the saga publishes until its state is saved, so a retried message never publishes twice. Plain JSON is
/// accepted, as on the work queue, for executors in other languages: its type is that of the exchange it came through
/// (<see cref="ExchangeTypedRawMessages"/>). Broken copies of requests are left to the work queue (<see cref="AnsweredByWorkQueue"/>).
/// </summary>
internal sealed class ConversationStateDefinition : SagaDefinition<ConversationState>
{
    private readonly ConversationOptions _options;
    private readonly BusOptions _bus;

    /// <summary>Reads the concurrency limit, the early-event patience and the queue type from the options.</summary>
    public ConversationStateDefinition(IOptions<ConversationOptions> options, IOptions<BusOptions> bus)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(bus);
        _options = options.Value;
        _bus = bus.Value;
        ConcurrentMessageLimit = options.Value.ConcurrentMessageLimit;
    }

    /// <summary>
    /// Retry intervals for an early event: quick at first (the request is usually a few milliseconds behind), then once
    /// a second, until a second past <paramref name="patience"/>, so the saga sees the event old enough to call it stale.
    /// </summary>
    public static TimeSpan[] EarlyEventRetryIntervals(TimeSpan patience)
    {
        var intervals = new List<TimeSpan>();
        var total = TimeSpan.Zero;
        for (var next = TimeSpan.FromMilliseconds(25); total <= patience + TimeSpan.FromSeconds(1); next = TimeSpan.FromMilliseconds(Math.Min(next.TotalMilliseconds * 2, 1000)))
        {
            intervals.Add(next);
            total += next;
        }
        return [.. intervals];
    }
    protected override void ConfigureSaga(IReceiveEndpointConfigurator endpointConfigurator, ISagaConfigurator<ConversationState> sagaConfigurator,
        IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpointConfigurator);
        endpointConfigurator.UseRequestDeserializer(context); // plain JSON too; requests read without copies
        endpointConfigurator.UseFilter(new ExchangeTypedRawMessages(context));
        endpointConfigurator.DropUnreadRequestCopies(context);
        // A quorum queue; what exceeds the delivery limit waits in conversation-state-poison for an operator.
        var names = context.GetService<IEndpointNameFormatter>() ?? DefaultEndpointNameFormatter.Instance;
        endpointConfigurator.UseSharedQueueWithHoldingQueue(_bus, names.Saga<ConversationState>() + "-poison");
        // Anything else (a database hiccup): a few slower retries.
        endpointConfigurator.UseMessageRetry(r =>
        {
            r.Ignore<EarlyEventException>();
            r.Ignore<System.Runtime.Serialization.SerializationException>(); // a message that cannot be read will not read better later
            r.Exponential(5, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200));
        });
        // An event that overtook its request waits for it: retried until a little past EarlyEventPatience (5 s by default).
        endpointConfigurator.UseMessageRetry(r =>
        {
            r.Handle<EarlyEventException>();
            r.Intervals(EarlyEventRetryIntervals(_options.EarlyEventPatience));
        });
        // Conflicts come in bursts when many results of one conversation arrive at once: retry quickly, many times, with jitter.
        endpointConfigurator.UseMessageRetry(r =>
        {
            r.Handle<ConcurrencyException>();
            r.Exponential(50, TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(15));
        });
        endpointConfigurator.UseInMemoryOutbox(context);
    }
}
