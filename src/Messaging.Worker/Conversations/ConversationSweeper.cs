using MassTransit;
using Messaging.Sagas;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Conversations;

/// <summary>
/// The saga's clock: every <see cref="ConversationOptions.SweepInterval"/> it asks the saga store which conversations
/// are due (<see cref="ConversationState.DueAt"/>) and sends each a <see cref="ConversationDue"/>. Every replica
/// sweeps; duplicates are harmless. Deadlines survive restarts because they live in the saga's own row.
/// </summary>
internal sealed class ConversationSweeper(
    IDueSagaFinder<ConversationState> finder,
    ConversationStore store,
    IBus bus,
    IOptions<ConversationOptions> options,
    TimeProvider time,
    ILogger<ConversationSweeper> logger) : BackgroundService
{
    private const int BatchSize = 500;
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.SweepInterval;
        if (store is { InMemory: true, SharedBroker: true })
            logger.LogWarning("Conversations are kept in this process's memory while the bus is RabbitMQ: run one replica only, or set ConnectionStrings:Sagas so replicas share them");
        while (!stoppingToken.IsCancellationRequested)
        {
            // Jitter spreads the replicas' sweeps over the interval.
            await Task.Delay(interval * (0.8 + 0.4 * Random.Shared.NextDouble()), time, stoppingToken).ConfigureAwait(false);
            try
            {
                await SweepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Sweeping due conversations failed; trying again in {Interval}", interval);
            }
        }
    }

    /// <summary>Sends <see cref="ConversationDue"/> to every conversation due now; returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var due = await finder.FindDueAsync(time.GetUtcNow().UtcDateTime, BatchSize, cancellationToken).ConfigureAwait(false);
        foreach (var id in due)
            await bus.Publish(new ConversationDue { ConversationId = id }, cancellationToken).ConfigureAwait(false);
        if (due.Count > 0) logger.LogDebug("{Count} conversations due", due.Count);
        return due.Count;
    }
}
