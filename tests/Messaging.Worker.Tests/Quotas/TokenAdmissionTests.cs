using Messaging.Interactions;
using Messaging.Interactions.Models;
using Messaging.Testing;
using Messaging.Worker.Quotas;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Quotas;

/// <summary>
/// Tokens per window: each create's estimate is reserved before it is sent and settled with the usage after; a window
/// with no room makes it wait for the next. The clock is fixed and moved by hand.
/// </summary>
public sealed class TokenAdmissionTests
{
    private const string Model = "gemini-3.5-flash";
    private static readonly DateTimeOffset Noon = new(2026, 12, 2, 12, 0, 30, TimeSpan.Zero);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void The_estimate_is_the_input_at_four_characters_a_token_media_at_258_and_the_allowed_output()
    {
        var text = CreateInteractionRequest.Parse("""{"model":"m","input":"abcdefgh","generation_config":{"max_output_tokens":50}}""");
        var media = CreateInteractionRequest.Parse("""{"model":"m","input":[{"type":"text","text":"abcd"},{"type":"image","mime_type":"image/png","data":"iVBORw0KGgo="}]}""");

        Assert.Equal(2 + 50, TokenEstimate.Of(text, defaultOutputTokens: 1024));
        // "text", "abcd", "image", "image/png": 22 characters = 6 tokens; one image; no max_output_tokens.
        Assert.Equal(6 + 258 + 1024, TokenEstimate.Of(media, defaultOutputTokens: 1024));
    }

    [Fact]
    public async Task A_create_that_does_not_fit_waits_for_the_next_window()
    {
        var clock = new FakeTimeProvider(Noon);
        var admission = Admission(new InMemoryQuotaWindowStore(), clock, limit: 1000);
        var body = Body(maxOutput: 396); // 4 + 396 = 400 tokens

        Assert.NotNull(await admission.ReserveAsync(Model, body, mayDefer: true, Ct));
        Assert.NotNull(await admission.ReserveAsync(Model, body, mayDefer: true, Ct));
        var third = admission.ReserveAsync(Model, body, mayDefer: true, Ct); // refused at once: now it waits on the clock
        Assert.False(third.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(30));

        var reserved = await third;
        Assert.Equal(Noon.AddSeconds(30), reserved!.WindowStart);
    }

    [Fact]
    public async Task Settling_with_the_usage_gives_back_what_was_not_used()
    {
        var admission = Admission(new InMemoryQuotaWindowStore(), new FakeTimeProvider(Noon), limit: 1000);

        var first = await admission.ReserveAsync(Model, Body(maxOutput: 596), mayDefer: true, Ct); // 600
        await admission.SettleAsync(first, used: 100);

        Assert.NotNull(await admission.ReserveAsync(Model, Body(maxOutput: 796), mayDefer: true, Ct)); // 100 + 800 fits
    }

    [Fact]
    public async Task A_first_create_that_would_wait_longer_than_the_client_does_is_put_off()
    {
        var admission = Admission(new InMemoryQuotaWindowStore(), new FakeTimeProvider(Noon), limit: 1000, windowSeconds: 3600);
        await admission.ReserveAsync(Model, Body(maxOutput: 896), mayDefer: true, Ct);

        var wait = await Assert.ThrowsAsync<QuotaWaitException>(() => admission.ReserveAsync(Model, Body(maxOutput: 896), mayDefer: true, Ct));

        Assert.Equal(new DateTimeOffset(2026, 12, 2, 13, 0, 0, TimeSpan.Zero), wait.Until);
    }

    [Fact]
    [Trait("Needs", "PostgreSQL")]
    public async Task Twenty_replicas_reserve_no_more_than_the_window_holds_together()
    {
        await using var database = await TestService.PostgreSqlAsync();
        var clock = new FakeTimeProvider(Noon);
        var key = $"tokens-{Guid.NewGuid():N}";
        await using var pools = new ReplicaPools(database.Address, 20);
        var stores = pools.All.Select(pool => new CountingStore(new NpgsqlQuotaWindowStore(pool))).ToList();
        try
        {
            var replicas = stores.Select(store => Admission(store, clock, limit: 1000, apiKey: key)).ToList();
            // 100 tokens each (4 + 96), three per replica: 60 asks, room for 10 in the window; the other 50 wait on the clock.
            var asks = replicas.SelectMany(r => Enumerable.Range(0, 3).Select(_ => r.ReserveAsync(Model, Body(maxOutput: 96), mayDefer: true, Ct))).ToList();
            await QuotaTestSupport.WaitUntilAsync(() => stores.Sum(s => s.Refused) == 50);
            Assert.Equal(10, asks.Count(a => a.IsCompletedSuccessfully));

            clock.Advance(TimeSpan.FromSeconds(30));
            await QuotaTestSupport.WaitUntilAsync(() => stores.Sum(s => s.Refused) == 90);
            Assert.Equal(20, asks.Count(a => a.IsCompletedSuccessfully));
        }
        finally
        {
            clock.Advance(TimeSpan.FromHours(1)); // let the rest through before the stores go
            foreach (var store in stores) await store.Inner.DisposeAsync();
        }
    }

    /// <summary>A replica's store that counts the reservations it refused.</summary>
    private sealed class CountingStore(NpgsqlQuotaWindowStore inner) : IQuotaWindowStore
    {
        private int _refused;

        public NpgsqlQuotaWindowStore Inner => inner;

        public int Refused => Volatile.Read(ref _refused);

        public Task<QuotaTake> TryTakeAsync(string quotaKey, int limit, string tenant, Func<QuotaWindow> currentWindow, CancellationToken cancellationToken) =>
            inner.TryTakeAsync(quotaKey, limit, tenant, currentWindow, cancellationToken);

        public Task WaitAsync(string quotaKey, DateTimeOffset windowStart, string tenant, CancellationToken cancellationToken) =>
            inner.WaitAsync(quotaKey, windowStart, tenant, cancellationToken);

        public async Task<bool> TryReserveTokensAsync(string quotaKey, DateTimeOffset windowStart, long tokens, long limit, CancellationToken cancellationToken)
        {
            var reserved = await inner.TryReserveTokensAsync(quotaKey, windowStart, tokens, limit, cancellationToken);
            if (!reserved) Interlocked.Increment(ref _refused);
            return reserved;
        }

        public Task SettleTokensAsync(string quotaKey, DateTimeOffset windowStart, long delta, CancellationToken cancellationToken) =>
            inner.SettleTokensAsync(quotaKey, windowStart, delta, cancellationToken);
    }

    private static CreateInteractionRequest Body(int maxOutput) =>
        CreateInteractionRequest.Parse($$"""{"model":"{{Model}}","input":"abcd","generation_config":{"max_output_tokens":{{maxOutput}}} }""");

    private static TokenAdmission Admission(IQuotaWindowStore store, TimeProvider clock, long limit, double windowSeconds = 60, string apiKey = "tokens")
    {
        var options = new QuotaOptions();
        options.Limits.Add(new QuotaLimit { Model = Model, TokensPerWindow = limit, WindowSeconds = windowSeconds });
        var client = Options.Create(new InteractionsClientOptions { ApiKey = apiKey });
        return new TokenAdmission(Options.Create(options), client, store, new ApiKeyFingerprint(client), clock, QuotaTestSupport.Telemetry, NullLogger<TokenAdmission>.Instance);
    }
}
