using Messaging.Interactions;
using Messaging.Testing;
using Messaging.Worker.Quotas;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Quotas;

/// <summary>
/// Admission within a configured limit, as 20 replicas see it: 20 admissions, each with a store of its own on one
/// PostgreSQL database, ask at once, and the window admits exactly its limit among them. The clock is fixed, so no
/// window ends during a test.
/// </summary>
public sealed class WindowAdmissionTests
{
    private const int Limit = 15;
    private static readonly DateTimeOffset Noon = new(2026, 12, 2, 12, 0, 30, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait("Needs", "PostgreSQL")]
    public async Task Twenty_replicas_admit_exactly_the_limit_of_a_window_together_and_the_next_window_again()
    {
        await using var database = await TestService.PostgreSqlAsync();
        var clock = new FakeTimeProvider(Noon);
        var key = $"admission-{Guid.NewGuid():N}";
        await using var pools = new ReplicaPools(database.Address, 20);
        var stores = pools.All.Select(pool => new NpgsqlQuotaWindowStore(pool)).ToList();
        try
        {
            var replicas = stores.Select(store => Admission(store, clock, key)).ToList();

            var first = await AskAsync(replicas, perReplica: 10);
            clock.Advance(TimeSpan.FromSeconds(60));
            var second = await AskAsync(replicas, perReplica: 10);

            Assert.Equal(Limit, first.Count(wait => wait is null));
            Assert.All(first.Where(wait => wait is not null), wait => Assert.Equal(TimeSpan.FromSeconds(30), wait));
            Assert.Equal(Limit, second.Count(wait => wait is null));
        }
        finally
        {
            foreach (var store in stores) await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task One_process_without_a_database_admits_the_limit_of_a_window()
    {
        var clock = new FakeTimeProvider(Noon);
        var admission = Admission(new InMemoryQuotaWindowStore(), clock, "memory");

        var answers = await AskAsync([admission], perReplica: 40);

        Assert.Equal(Limit, answers.Count(wait => wait is null));
    }

    [Fact]
    public async Task A_model_without_a_limit_is_always_admitted()
    {
        var admission = Admission(new InMemoryQuotaWindowStore(), new FakeTimeProvider(Noon), "unlimited", limitedModel: "gemini-3.5-pro");

        var answers = await AskAsync([admission], perReplica: 40);

        Assert.All(answers, wait => Assert.Null(wait));
    }

    [Fact]
    public async Task When_the_count_cannot_be_reached_creates_wait_and_none_is_admitted_uncounted()
    {
        // A port nothing listens on: every take fails.
        await using var pools = new ReplicaPools("Host=127.0.0.1;Port=1;Username=x;Password=x;Database=x;Timeout=2");
        await using var store = new NpgsqlQuotaWindowStore(pools.First);
        var admission = Admission(store, new FakeTimeProvider(Noon), "unreachable");

        var answers = await AskAsync([admission], perReplica: 3);

        Assert.All(answers, wait => Assert.Equal(WindowAdmission.Unreachable, wait));
    }

    /// <summary>An admission that limits <paramref name="limitedModel"/>; the tests ask for gemini-3.5-flash.</summary>
    private static WindowAdmission Admission(IQuotaWindowStore store, TimeProvider clock, string apiKey, string limitedModel = "gemini-3.5-flash")
    {
        var options = new QuotaOptions();
        options.Limits.Add(new QuotaLimit { Model = limitedModel, RequestsPerWindow = Limit, WindowSeconds = 60 });
        var key = new ApiKeyFingerprint(Options.Create(new InteractionsClientOptions { ApiKey = apiKey }));
        return new WindowAdmission(Options.Create(options), store, key, clock, QuotaTestSupport.Telemetry, NullLogger<WindowAdmission>.Instance);
    }

    private static async Task<TimeSpan?[]> AskAsync(IReadOnlyList<WindowAdmission> replicas, int perReplica) =>
        await Task.WhenAll(replicas.SelectMany(r => Enumerable.Range(0, perReplica).Select(_ => r.TryAdmitAsync("gemini-3.5-flash", Ct).AsTask())));
}
