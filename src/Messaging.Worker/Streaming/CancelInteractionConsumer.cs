using MassTransit;
using Messaging.Contracts;
using Messaging.Interactions;

namespace Messaging.Worker.Streaming;

/// <summary>
/// Consumes <see cref="CancelInteraction"/> on this replica's own temporary control queue (every replica
/// gets every cancel, and acts on the requests it holds). A foreground stream is stopped at once; a
/// background run is cancelled through the API and its follower then sees status <c>cancelled</c>. Either
/// way the request ends with <see cref="InteractionCancelled"/>.
/// </summary>
internal sealed class CancelInteractionConsumer(InFlightInteractions inFlight, IInteractionsClient client, ILogger<CancelInteractionConsumer> logger)
    : IConsumer<CancelInteraction>
{
    public async Task Consume(ConsumeContext<CancelInteraction> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var entry in inFlight.Matching(context.Message))
        {
            logger.LogInformation("Cancelling request {RequestId} (interaction {InteractionId})", entry.RequestId, entry.CurrentInteractionId);
            entry.RequestCancel();
            if (!entry.IsBackground || entry.CurrentInteractionId is not { } id) continue; // a background run not yet created is cancelled by its handler
            try
            {
                await client.CancelAsync(id, context.CancellationToken);
            }
            catch (InteractionsApiException ex)
            {
                // Usually: it finished first. Its follower publishes how it really ended.
                logger.LogInformation("Background interaction {InteractionId} could not be cancelled: {ApiMessage}", id, ex.ApiMessage);
            }
        }
    }
}
