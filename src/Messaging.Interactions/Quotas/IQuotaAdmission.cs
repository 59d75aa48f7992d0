namespace Messaging.Interactions.Quotas;

/// <summary>
/// Admits creates within limits the caller knows the API has (requests per window, per model), before they are sent:
/// a service whose processes share one key counts them together, so the quota is spent at the rate it allows instead of
/// being found with 429s. Optional: without one registered, every create goes out (and 429s start cooldowns,
/// <see cref="IQuotaCooldowns"/>).
/// </summary>
public interface IQuotaAdmission
{
    /// <summary>
    /// Takes a place for one create for <paramref name="model"/> now; returns null when it was taken, or how long until
    /// a place may be free (the current window is full).
    /// </summary>
    ValueTask<TimeSpan?> TryAdmitAsync(string model, CancellationToken cancellationToken);

    /// <summary>
    /// As <see cref="TryAdmitAsync(string, CancellationToken)"/>, for a create of <paramref name="tenant"/>
    /// (<see cref="Models.CreateInteractionRequest.Tenant"/>): an admission that shares the quota between tenants decides with it.
    /// </summary>
    ValueTask<TimeSpan?> TryAdmitAsync(string model, string? tenant, CancellationToken cancellationToken) => TryAdmitAsync(model, cancellationToken);
}
