using System.Text.Json.Nodes;
using Messaging.Interactions.Models;
using Messaging.Interactions.Quotas;
using Messaging.Interactions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Interactions.Tests.Client;

/// <summary>
/// Gemini's quota errors say how long to wait only in the body (<c>google.rpc.RetryInfo.retryDelay</c>), with no
/// <c>Retry-After</c>: the client waits that long, and reports it when it is longer than it may wait. Each test has an
/// API key of its own, so the emulator counts it apart.
/// </summary>
public class QuotaRetryTests(EmulatorFixture fixture) : IClassFixture<EmulatorFixture>
{
    private const string AYear = "31536000"; // a window no test sees roll over

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static CreateInteractionRequest Limited(string prompt, params (string Key, string Value)[] labels)
    {
        var request = CreateInteractionRequest.ForModel("gemini-3.5-flash", prompt);
        var json = new JsonObject();
        foreach (var (key, value) in labels) json[key] = value;
        request.Labels = json;
        return request;
    }

    [Fact]
    public async Task A_quota_429_is_retried_after_the_bodys_retry_delay()
    {
        using var provider = fixture.CreateClient(o => o.ApiKey = "quota-retry-delay");
        var client = provider.Client();
        (string, string)[] quota = [("emulator_quota_requests", "1"), ("emulator_quota_window_s", "3")];

        // One create per 3-second window: of three in a row at least one is refused, waits for the next window, and completes.
        var interactions = new List<Interaction>();
        for (var i = 0; i < 3; i++) interactions.Add(await client.CreateAsync(Limited($"within the quota {i}", quota), Ct));

        Assert.All(interactions, i => Assert.Equal(InteractionStatus.Completed, i.Status));
        var bucket = fixture.Emulator.Quotas.Buckets.Single(b => b.ApiKey == "quota-retry-delay");
        Assert.InRange(bucket.Refused, 1, 10);
        Assert.All(bucket.Windows, w => Assert.True(w.Admitted <= 1, $"{w.Admitted} admitted in the window of {w.Start:O}"));
    }

    [Fact]
    public async Task A_retry_delay_longer_than_allowed_fails_at_once_with_the_wait_and_the_quota()
    {
        using var provider = fixture.CreateClient(o => o.ApiKey = "quota-long-delay");
        var client = provider.Client();
        (string, string)[] quota = [("emulator_quota_requests", "1"), ("emulator_quota_window_s", AYear)];
        await client.CreateAsync(Limited("the only one this year", quota), Ct);

        var error = await Assert.ThrowsAsync<InteractionsApiException>(() => client.CreateAsync(Limited("one too many", quota), Ct));

        Assert.Equal(429, (int)error.StatusCode);
        Assert.Equal(1, error.Attempts);
        Assert.True(error.RetryAfter > TimeSpan.FromSeconds(30), $"retry after {error.RetryAfter}");
        Assert.Equal(["GenerateRequestsPer31536000SecondsPerProjectPerModel"], error.QuotaIds);
        Assert.False(error.IsDailyQuota);
    }

    [Fact]
    public async Task After_a_429_creates_for_that_model_are_held_without_being_sent_and_other_models_go_on()
    {
        using var provider = fixture.CreateClient(o => o.ApiKey = "quota-cooldown");
        var client = provider.Client();
        (string, string)[] quota = [("emulator_quota_requests", "1"), ("emulator_quota_window_s", AYear)];
        await client.CreateAsync(Limited("cooldown first", quota), Ct);
        await Assert.ThrowsAsync<InteractionsApiException>(() => client.CreateAsync(Limited("cooldown refused", quota), Ct));

        var held = await Assert.ThrowsAsync<InteractionsApiException>(() => client.CreateAsync(Limited("cooldown held", quota), Ct));
        var other = CreateInteractionRequest.ForModel("gemini-3.5-pro", "cooldown other model");
        other.Labels = new JsonObject { ["emulator_quota_requests"] = "1", ["emulator_quota_window_s"] = AYear };
        var otherModel = await client.CreateAsync(other, Ct);

        Assert.True(held.HeldByCooldown);
        Assert.Equal(0, held.Attempts);
        Assert.True(held.RetryAfter > TimeSpan.FromSeconds(30), $"held for {held.RetryAfter}");
        Assert.Equal(0, fixture.Emulator.Requests.Count(r => r.Body.Contains("cooldown held", StringComparison.Ordinal)));
        Assert.Equal(InteractionStatus.Completed, otherModel.Status);
    }

    [Fact]
    public async Task A_cooldown_learnt_from_elsewhere_holds_creates_too()
    {
        using var provider = fixture.CreateClient(o => o.ApiKey = "quota-hold");
        provider.GetRequiredService<IQuotaCooldowns>().Hold("gemini-3.5-flash", DateTimeOffset.UtcNow.AddHours(1));

        var held = await Assert.ThrowsAsync<InteractionsApiException>(() =>
            provider.Client().CreateAsync(CreateInteractionRequest.ForModel("gemini-3.5-flash", "held from elsewhere"), Ct));

        Assert.True(held.HeldByCooldown);
        Assert.Equal(0, fixture.Emulator.Requests.Count(r => r.Body.Contains("held from elsewhere", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_daily_quota_says_so()
    {
        using var provider = fixture.CreateClient(o => o.ApiKey = "quota-daily");
        var client = provider.Client();
        (string, string)[] quota = [("emulator_quota_requests_per_day", "1")];
        await client.CreateAsync(Limited("today's one", quota), Ct);

        var error = await Assert.ThrowsAsync<InteractionsApiException>(() => client.CreateAsync(Limited("today's second", quota), Ct));

        Assert.True(error.IsDailyQuota);
        Assert.Equal(["GenerateRequestsPerDayPerProjectPerModel"], error.QuotaIds);
        Assert.NotNull(error.RetryAfter);
    }
}
