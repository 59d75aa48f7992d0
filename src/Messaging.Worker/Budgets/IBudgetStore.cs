namespace Messaging.Worker.Budgets;

/// <summary>The tokens each budget's subject has used per period, for all replicas (<see cref="TokenBudgets"/>).</summary>
internal interface IBudgetStore
{
    /// <summary>The tokens <paramref name="subject"/> used in the period starting <paramref name="periodStart"/> (<paramref name="scope"/>: conversation or tenant).</summary>
    Task<long> UsedAsync(string scope, string subject, DateTimeOffset periodStart, CancellationToken cancellationToken);

    /// <summary>Adds <paramref name="tokens"/> to what <paramref name="subject"/> used in the period.</summary>
    Task AddAsync(string scope, string subject, DateTimeOffset periodStart, long tokens, CancellationToken cancellationToken);
}
