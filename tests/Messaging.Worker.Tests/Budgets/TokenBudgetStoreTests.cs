using Messaging.Testing;
using Messaging.Worker.Budgets;
using Messaging.Worker.Tests.Quotas;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Budgets;

/// <summary>Budgets are persisted and shared: every replica charges and reads one count per subject and period, and a new period starts whole.</summary>
[Trait("Needs", "PostgreSQL")]
public sealed class TokenBudgetStoreTests
{
    private static readonly DateTimeOffset LateOnTheFirst = new(2026, 12, 1, 23, 59, 0, TimeSpan.Zero);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Twenty_replicas_charging_one_tenant_at_once_count_every_token_and_a_restarted_replica_reads_them()
    {
        await using var database = await TestService.PostgreSqlAsync();
        var tenant = $"tenant-{Guid.NewGuid():N}";
        var clock = new FakeTimeProvider(LateOnTheFirst);
        await using var pools = new ReplicaPools(database.Address, 21); // the last is the restarted replica's
        var stores = pools.All.Take(20).Select(pool => new NpgsqlBudgetStore(pool)).ToList();
        try
        {
            var replicas = stores.Select(s => Budgets(s, clock, tenantTokens: 1000)).ToList();

            await Task.WhenAll(replicas.SelectMany(r => Enumerable.Range(0, 5).Select(_ => r.ChargeAsync(tenant, Guid.NewGuid(), "m", 10))));

            await using var restarted = new NpgsqlBudgetStore(pools.All[20]);
            var spent = await Budgets(restarted, clock, tenantTokens: 1000).SpentAsync(tenant, Guid.NewGuid(), Ct);
            Assert.NotNull(spent);
            Assert.Equal((1000L, 1000L, "tenant", tenant), (spent.Used, spent.Limit, spent.Scope, spent.Subject));
            Assert.Null(await Budgets(restarted, clock, tenantTokens: 1001).SpentAsync(tenant, Guid.NewGuid(), Ct));
        }
        finally
        {
            foreach (var store in stores) await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_day_budget_is_whole_again_the_next_day_and_a_request_without_a_tenant_has_no_tenant_budget()
    {
        var clock = new FakeTimeProvider(LateOnTheFirst);
        var budgets = Budgets(new InMemoryBudgetStore(), clock, tenantTokens: 50, period: BudgetPeriod.Day);

        await budgets.ChargeAsync("acme", Guid.NewGuid(), "m", 60);
        var spent = await budgets.SpentAsync("acme", Guid.NewGuid(), Ct);
        Assert.Equal((new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 2, 0, 0, 0, TimeSpan.Zero)),
            (spent!.PeriodStart, spent.ResetsAt));
        Assert.Null(await budgets.SpentAsync(null, Guid.NewGuid(), Ct));

        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(await budgets.SpentAsync("acme", Guid.NewGuid(), Ct));
    }

    private static TokenBudgets Budgets(IBudgetStore store, TimeProvider clock, long tenantTokens, BudgetPeriod period = BudgetPeriod.Month)
    {
        var options = new BudgetOptions { Tenant = new BudgetLimit { Tokens = tenantTokens, Period = period } };
        return new TokenBudgets(Options.Create(options), store, clock, QuotaTestSupport.Telemetry, NullLogger<TokenBudgets>.Instance);
    }
}
