using System.Text.Json.Nodes;
using Messaging.Worker.Checkpoints;

namespace Messaging.Worker.Streaming;

/// <summary>
/// How a request ends, the same for every path that ends one (a run, a poison request): every earlier event on the
/// broker, the final events recorded, then published and confirmed, then the request marked ended. A takeover that finds
/// the final events recorded but maybe not published publishes exactly them again.
/// </summary>
internal sealed class RequestEnds(StreamCheckpoints checkpoints, InteractionRelayFactory relays)
{
    /// <summary>Ends the request <paramref name="relay"/> streams with <paramref name="finals"/>.</summary>
    public async Task EndAsync(InteractionRelay relay, FinalEvents finals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(relay);
        ArgumentNullException.ThrowIfNull(finals);
        await relay.ConfirmAsync(); // every event before the end on the broker before the end is recorded
        await checkpoints.EndingAsync(relay.RequestId, finals.ToJson(), cancellationToken);
        await relay.PublishAsync(finals);
        await relay.ConfirmAsync(); // every event on the broker before the request is acknowledged
        checkpoints.Ended(relay.RequestId);
    }

    /// <summary>Publishes the final events an earlier owner recorded (same messageIds) and marks the request ended.</summary>
    public async Task<FinalEvents> RepublishAsync(RequestIds ids, JsonArray recorded, CancellationToken cancellationToken)
    {
        var finals = FinalEvents.FromJson(recorded);
        var relay = relays.Create(ids, cancellationToken);
        await relay.PublishAsync(finals);
        await relay.ConfirmAsync();
        checkpoints.Ended(ids.RequestId);
        return finals;
    }
}
