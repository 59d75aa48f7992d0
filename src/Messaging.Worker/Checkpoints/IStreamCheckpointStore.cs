namespace Messaging.Worker.Checkpoints;

/// <summary>
/// Where requests' checkpoints live: one row per request with its owner and lease, the body's hash, the attempt, the
/// interaction, the stream owner's state and, at the end, the final events. Leases are counted on the store's clock.
/// </summary>
internal interface IStreamCheckpointStore
{
    /// <summary>
    /// Takes each request for <paramref name="owner"/> when it is new, or running with a lapsed lease (a takeover); otherwise
    /// says who holds it or how it ended. One answer per claim, in order; the same request may be claimed twice in one call
    /// (two deliveries of it), then the claims are decided one after the other. A claim's <see cref="CheckpointClaimRequest.ClaimId"/>
    /// names that one claim (one delivery): asked again with it, after an answer that was lost on the way, the store answers
    /// as it did the first time, instead of seeing a request held by someone else (or a lapsed one to take over from itself).
    /// </summary>
    Task<IReadOnlyList<CheckpointClaim>> ClaimAsync(IReadOnlyList<CheckpointClaimRequest> claims, Guid owner, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>
    /// Records progress of requests <paramref name="owner"/> still owns and renews their leases (and those of
    /// <paramref name="renew"/>); returns the requests it no longer owns.
    /// </summary>
    Task<IReadOnlyCollection<Guid>> SaveAsync(IReadOnlyCollection<StreamCheckpoint> checkpoints, IReadOnlyCollection<Guid> renew, Guid owner,
        TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Records requests' final events before they are published; returns the requests <paramref name="owner"/> no longer owns (nothing recorded for them).</summary>
    Task<IReadOnlyCollection<Guid>> EndingAsync(IReadOnlyList<RequestFinals> endings, Guid owner, CancellationToken cancellationToken);

    /// <summary>Marks requests whose final events the broker confirmed.</summary>
    Task EndedAsync(IReadOnlyCollection<Guid> requestIds, CancellationToken cancellationToken);

    /// <summary>Ends <paramref name="owner"/>'s lease at once, so another replica takes the request over without waiting.</summary>
    Task ReleaseAsync(Guid requestId, Guid owner, CancellationToken cancellationToken);

    /// <summary>Removes ended requests (and abandoned ones) last touched more than <paramref name="retention"/> ago; returns how many.</summary>
    Task<int> RemoveOlderThanAsync(TimeSpan retention, CancellationToken cancellationToken);
}
