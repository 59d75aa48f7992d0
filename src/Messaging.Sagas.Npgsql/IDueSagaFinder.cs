namespace Messaging.Sagas;

/// <summary>
/// Finds the sagas whose <see cref="IDueSaga.DueAt"/> has passed, earliest first. Registered by
/// <c>NpgsqlRepository(...)</c> and <c>InMemoryDueRepository()</c> for sagas that implement <see cref="IDueSaga"/>.
/// A saga found here may already be handled by the time the sweeper acts: what it sends must be harmless then.
/// </summary>
/// <typeparam name="TSaga">The saga state (an <see cref="IDueSaga"/>).</typeparam>
public interface IDueSagaFinder<TSaga>
    where TSaga : class
{
    /// <summary>The ids of at most <paramref name="limit"/> sagas due at or before <paramref name="nowUtc"/>, earliest first.</summary>
    /// <param name="nowUtc">The current time, in UTC.</param>
    /// <param name="limit">The most ids to return.</param>
    /// <param name="cancellationToken">Stops the search.</param>
    Task<IReadOnlyList<Guid>> FindDueAsync(DateTime nowUtc, int limit, CancellationToken cancellationToken);
}
