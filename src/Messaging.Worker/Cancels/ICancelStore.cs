namespace Messaging.Worker.Cancels;

/// <summary>Where cancels are kept so every replica, and every replica that starts later, sees them.</summary>
internal interface ICancelStore
{
    /// <summary>Records a cancel (once: the same <see cref="RememberedCancel.CancelId"/> again changes nothing).</summary>
    Task RecordAsync(Guid cancelId, Messaging.Contracts.CancelInteraction cancel, CancellationToken cancellationToken);

    /// <summary>The cancels recorded at or after <paramref name="since"/> (on the store's clock; null: all of them).</summary>
    Task<IReadOnlyList<RememberedCancel>> ReadSinceAsync(DateTimeOffset? since, CancellationToken cancellationToken);

    /// <summary>Forgets cancels recorded more than <paramref name="retention"/> ago; returns how many.</summary>
    Task<int> RemoveOlderThanAsync(TimeSpan retention, CancellationToken cancellationToken);
}
