namespace Messaging.Worker.Budgets;

/// <summary>Token budgets (configuration section <c>Budgets</c>); none by default.</summary>
public sealed class BudgetOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Budgets";

    /// <summary>Every conversation's budget (<c>Budgets:Conversation:Tokens</c>, <c>…:Period</c>); none when unset.</summary>
    public BudgetLimit? Conversation { get; set; }

    /// <summary>Every tenant's budget, unless <see cref="Tenants"/> gives it its own; none when unset. Requests without a tenant have none.</summary>
    public BudgetLimit? Tenant { get; set; }

    /// <summary>Budgets of named tenants (<c>Budgets:Tenants:acme:Tokens</c>), in place of <see cref="Tenant"/>.</summary>
    public IDictionary<string, BudgetLimit> Tenants { get; } = new Dictionary<string, BudgetLimit>(StringComparer.Ordinal);

    /// <summary>The budget of <paramref name="tenant"/>: its own, else every tenant's; null when it has none.</summary>
    internal BudgetLimit? TenantLimit(string? tenant) =>
        tenant is null ? null : Tenants.TryGetValue(tenant, out var own) ? own : Tenant;
}

/// <summary>A number of tokens per period.</summary>
public sealed class BudgetLimit
{
    /// <summary>Tokens per period: the API's reported <c>total_tokens</c> of every interaction, function-call rounds and continuations included. Null: unlimited.</summary>
    public long? Tokens { get; set; }

    /// <summary>The period, in UTC: <see cref="BudgetPeriod.Month"/> (default) or <see cref="BudgetPeriod.Day"/>.</summary>
    public BudgetPeriod Period { get; set; } = BudgetPeriod.Month;

    /// <summary>The start of the period <paramref name="now"/> falls in.</summary>
    internal DateTimeOffset PeriodStart(DateTimeOffset now)
    {
        var utc = now.UtcDateTime;
        return Period == BudgetPeriod.Day
            ? new DateTimeOffset(utc.Date, TimeSpan.Zero)
            : new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero);
    }

    /// <summary>The start of the period after the one that starts at <paramref name="start"/>.</summary>
    internal DateTimeOffset NextPeriod(DateTimeOffset start) => Period == BudgetPeriod.Day ? start.AddDays(1) : start.AddMonths(1);
}

/// <summary>A budget's period.</summary>
public enum BudgetPeriod
{
    /// <summary>A calendar month, UTC.</summary>
    Month,
    /// <summary>A day, UTC.</summary>
    Day,
}
