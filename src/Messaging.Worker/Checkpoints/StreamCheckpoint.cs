using System.Text.Json.Nodes;

namespace Messaging.Worker.Checkpoints;

/// <summary>Where a request's stream got to, as its owner last recorded it.</summary>
/// <param name="RequestId">The request.</param>
/// <param name="Attempt">Its attempt (1 unless it had to start over).</param>
/// <param name="InteractionId">The interaction being streamed; null before the API gave one (or when it was never recorded).</param>
/// <param name="State">The stream owner's state at the last confirmed event (see <c>InteractionRelay.Checkpoint</c>); null before one was taken.</param>
internal sealed record StreamCheckpoint(Guid RequestId, int Attempt, string? InteractionId, JsonObject? State);

/// <summary>What claiming a request found.</summary>
internal enum ClaimResult
{
    /// <summary>This replica owns the request now; <see cref="CheckpointClaim.Previous"/> says where an earlier owner got to.</summary>
    Claimed,
    /// <summary>Another owner holds a live lease: wait for it to end or lapse.</summary>
    Held,
    /// <summary>The request's final events are recorded but maybe not all published: publish them again.</summary>
    Ending,
    /// <summary>The request ended and its final events are on the broker: nothing to do.</summary>
    Ended,
    /// <summary>The requestId was used with a different request body.</summary>
    DifferentBody,
}

/// <summary>The answer to a claim.</summary>
/// <param name="Result">What was found.</param>
/// <param name="Previous">For <see cref="ClaimResult.Claimed"/>: the earlier owner's checkpoint (null for a new request).</param>
/// <param name="Finals">For <see cref="ClaimResult.Ending"/>: the recorded final events.</param>
/// <param name="LeaseLeft">For <see cref="ClaimResult.Held"/>: how long the other owner's lease still runs.</param>
internal sealed record CheckpointClaim(ClaimResult Result, StreamCheckpoint? Previous = null, JsonArray? Finals = null, TimeSpan LeaseLeft = default);

/// <summary>One delivery's claim of a request.</summary>
/// <param name="RequestId">The request.</param>
/// <param name="BodyHash">The request body's hash: a requestId reused with another body is refused.</param>
/// <param name="ClaimId">Names this claim, so asking again after a lost answer gets the first answer.</param>
internal sealed record CheckpointClaimRequest(Guid RequestId, string BodyHash, Guid ClaimId);

/// <summary>A request's final events, recorded before they are published.</summary>
internal sealed record RequestFinals(Guid RequestId, JsonArray Finals);
