using MassTransit;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Conversations;

/// <summary>
/// The saga's queue (<c>conversation-state</c>), shared by every replica. A message that loses an optimistic-concurrency
/// race (another replica saved the same conversation first) is retried against the fresh state; the in-memory outbox
/// holds what the saga publishes until its state is saved, so a retried message never publishes twice. Plain JSON is
/// accepted, as on the work queue, for executors in other languages.
/// </summary>
public sealed class ConversationStateDefinition : SagaDefinition<ConversationState>
{
    /// <summary>Reads the concurrency limit from the options.</summary>
    public ConversationStateDefinition(IOptions<ConversationOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ConcurrentMessageLimit = options.Value.ConcurrentMessageLimit;
    }

    /// <inheritdoc />
    protected override void ConfigureSaga(IReceiveEndpointConfigurator endpointConfigurator, ISagaConfigurator<ConversationState> sagaConfigurator,
        IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpointConfigurator);
        endpointConfigurator.UseRawJsonDeserializer(RawSerializerOptions.AnyMessageType, isDefault: false);
        // Anything else (a database hiccup): a few slower retries.
        endpointConfigurator.UseMessageRetry(r =>
        {
            r.Ignore<EarlyEventException>();
            r.Exponential(5, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200));
        });
        // An event that overtook its request waits for it: retried over ~7 s (EarlyEventPatience is 5 s by default).
        endpointConfigurator.UseMessageRetry(r =>
        {
            r.Handle<EarlyEventException>();
            r.Intervals(25, 50, 100, 200, 400, 800, 1000, 1000, 1000, 1000, 1000, 1000);
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
