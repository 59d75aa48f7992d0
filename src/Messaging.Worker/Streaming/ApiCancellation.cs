using Messaging.Interactions;

namespace Messaging.Worker.Streaming;

/// <summary>Asks the API to stop a run nobody follows any more, so it stops costing tokens; a run that already ended answers 400.</summary>
internal sealed class ApiCancellation(IInteractionsClient client, ILogger<ApiCancellation> logger)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Cancels <paramref name="interactionId"/> at the API, at most for 10 s; a failure is logged, never thrown.</summary>
    public async Task TryCancelAsync(string interactionId)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await client.CancelAsync(interactionId, timeout.Token);
        }
        catch (Exception ex) when (ex is InteractionsApiException or OperationCanceledException or HttpRequestException)
        {
            logger.LogInformation("Interaction {InteractionId} could not be cancelled at the API: {Reason}", interactionId, ex.Message);
        }
    }
}
