using Messaging.Interactions;
using Messaging.Testing;
using Messaging.Worker.Quotas;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Quotas;

/// <summary>
/// Concurrent streams, as 20 replicas see them: each takes a place before its run and gives it back after; together they
/// never hold more than the limit, and a place given back goes to a waiting request. The clock that paces the asking is
/// moved by hand.
/// </summary>
public sealed class StreamAdmissionTests
{
    private const string Model = "gemini-3.5-flash";
    private const int Limit = 5;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait("Needs", "PostgreSQL")]
    public async Task Twenty_replicas_hold_no_more_streams_than_the_limit_and_a_place_given_back_goes_to_a_waiting_one()
    {
        await using var database = await TestService.PostgreSqlAsync();
        var clock = new FakeTimeProvider();
        var key = $"streams-{Guid.NewGuid():N}";
        await using var pools = new ReplicaPools(database.Address, 20);
        var stores = pools.All.Select(pool => new CountingStore(new NpgsqlQuotaStreamStore(pool))).ToList();
        try
        {
            var replicas = stores.Select(store => Admission(store, clock, key)).ToList();
            var asks = replicas.SelectMany(r => Enumerable.Range(0, 2).Select(_ => r.HoldAsync(Model, Guid.NewGuid(), mayDefer: false, Ct))).ToList();
            await QuotaTestSupport.WaitUntilAsync(() => stores.Sum(s => s.Refused) == 35);
            Assert.Equal(Limit, asks.Count(a => a.IsCompletedSuccessfully));

            var held = asks.Where(a => a.IsCompletedSuccessfully).Select(a => a.Result!).Take(2).ToList();
            foreach (var place in held) await place.DisposeAsync();
            // The waiting ones ask again at each poll: two more take the places, the other 33 are refused, round after round.
            await QuotaTestSupport.WaitUntilAsync(() =>
            {
                clock.Advance(StreamAdmission.Poll);
                return stores.Sum(s => s.Refused) >= 35 + 2 * 33;
            });
            Assert.Equal(Limit + 2, asks.Count(a => a.IsCompletedSuccessfully));
        }
        finally
        {
            foreach (var store in stores) await store.Inner.DisposeAsync();
        }
    }

    [Fact]
    public async Task One_process_without_a_database_holds_the_limit_and_a_request_that_holds_one_keeps_it()
    {
        var admission = Admission(new InMemoryQuotaStreamStore(), new FakeTimeProvider(), "memory");
        var first = Guid.NewGuid();

        var places = new List<StreamPlace?> { await admission.HoldAsync(Model, first, mayDefer: false, Ct) };
        for (var i = 1; i < Limit; i++) places.Add(await admission.HoldAsync(Model, Guid.NewGuid(), mayDefer: false, Ct));
        var waiting = admission.HoldAsync(Model, Guid.NewGuid(), mayDefer: false, Ct);
        var again = await admission.HoldAsync(Model, first, mayDefer: false, Ct); // a redelivery of a request that holds one

        Assert.All(places, Assert.NotNull);
        Assert.NotNull(again);
        Assert.False(waiting.IsCompleted);
    }

    [Fact]
    public async Task A_request_that_waited_as_long_as_the_client_waits_is_put_off_when_it_created_nothing_yet()
    {
        var clock = new FakeTimeProvider();
        var admission = Admission(new InMemoryQuotaStreamStore(), clock, "defer", maxRetryAfter: TimeSpan.FromSeconds(1));
        for (var i = 0; i < Limit; i++) await admission.HoldAsync(Model, Guid.NewGuid(), mayDefer: true, Ct);

        var waiting = admission.HoldAsync(Model, Guid.NewGuid(), mayDefer: true, Ct);
        for (var i = 0; i < 4 && !waiting.IsCompleted; i++)
        {
            clock.Advance(StreamAdmission.Poll);
            await Task.Yield();
        }

        await Assert.ThrowsAsync<QuotaWaitException>(() => waiting);
    }

    private static StreamAdmission Admission(IQuotaStreamStore store, TimeProvider clock, string apiKey, TimeSpan? maxRetryAfter = null)
    {
        var options = new QuotaOptions();
        options.Limits.Add(new QuotaLimit { Model = Model, ConcurrentStreams = Limit });
        var client = Options.Create(new InteractionsClientOptions { ApiKey = apiKey, MaxRetryAfter = maxRetryAfter ?? TimeSpan.FromSeconds(30) });
        return new StreamAdmission(Options.Create(options), client, store, new ApiKeyFingerprint(client), clock, QuotaTestSupport.Telemetry, NullLogger<StreamAdmission>.Instance);
    }

    /// <summary>A replica's store that counts the places it was refused.</summary>
    private sealed class CountingStore(NpgsqlQuotaStreamStore inner) : IQuotaStreamStore
    {
        private int _refused;

        public NpgsqlQuotaStreamStore Inner => inner;

        public int Refused => Volatile.Read(ref _refused);

        public async Task<bool> TryHoldAsync(string quotaKey, Guid requestId, Guid holder, int limit, TimeSpan lease, CancellationToken cancellationToken)
        {
            var held = await inner.TryHoldAsync(quotaKey, requestId, holder, limit, lease, cancellationToken);
            if (!held) Interlocked.Increment(ref _refused);
            return held;
        }

        public Task RenewAsync(Guid holder, TimeSpan lease, CancellationToken cancellationToken) => inner.RenewAsync(holder, lease, cancellationToken);

        public Task ReleaseAsync(string quotaKey, Guid requestId, CancellationToken cancellationToken) => inner.ReleaseAsync(quotaKey, requestId, cancellationToken);
    }
}
