using Messaging.Contracts;
using Messaging.Interactions;

using Messaging.Worker.Streaming;

namespace Messaging.Worker.Cancels;

/// <summary>
/// Applies a <see cref="CancelInteraction"/> to the requests this replica runs: a foreground stream is stopped at once; a
/// background run is cancelled through the API and its follower then sees status <c>cancelled</c>. Either way the
/// request ends with <see cref="InteractionCancelled"/>.
/// </summary>
internal sealed class CancelDispatcher(InFlightInteractions inFlight, IInteractionsClient client, ILogger<CancelDispatcher> logger)
{
    /// <summary>Cancels the running requests <paramref name="cancel"/> names; returns how many.</summary>
    public async Task<int> ApplyAsync(CancelInteraction cancel, CancellationToken cancellationToken)
    {
        var matching = inFlight.Matching(cancel);
        foreach (var entry in matching)
        {
            logger.LogInformation("Cancelling request {RequestId} (interaction {InteractionId})", entry.RequestId, entry.CurrentInteractionId);
            entry.RequestCancel();
            if (!entry.IsBackground || entry.CurrentInteractionId is not { } id) continue; // a background run not yet created is cancelled by its handler
            try
            {
                await client.CancelAsync(id, cancellationToken);
            }
            catch (InteractionsApiException ex)
            {
                // Usually: it finished first. Its follower publishes how it really ended.
                logger.LogInformation("Background interaction {InteractionId} could not be cancelled: {ApiMessage}", id, ex.ApiMessage);
            }
        }
        return matching.Count;
    }
}
