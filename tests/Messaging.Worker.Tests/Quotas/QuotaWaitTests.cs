using Messaging.Contracts;
using Messaging.Emulator.Quotas;
using Messaging.Interactions.Quotas;
using Messaging.Worker.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Worker.Tests.Quotas;

/// <summary>
/// Requests wait for the API's quota instead of failing: a 429 holds its model on every replica, a long wait is announced
/// (InteractionDeferred) and spent on the broker, and only Quota:MaxWait or a daily quota ends a request as failed.
/// </summary>
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
public sealed class QuotaWaitTests
{
    private const double AYear = 365 * 86_400; // a window that ends weeks or months from now, never within a test
    private const string Flash = "gemini-3.5-flash";
    private const string Pro = "gemini-3.5-pro";

    [Fact]
    public async Task A_cooldown_holds_its_model_on_every_replica_and_the_other_model_goes_on_and_max_wait_ends_the_wait_as_quota()
    {
        await using var rig = await QuotaRig.StartAsync(2, [new EmulatorQuota { Model = Flash, RequestsPerWindow = 1, WindowSeconds = AYear }],
            new() { ["Quota:MaxWait"] = "00:00:02" });

        var first = await rig.PublishAsync(Flash, "first");
        Assert.NotNull((await rig.Events.FinishedAsync(first)).Of<InteractionCompleted>().SingleOrDefault());
        var refused = await rig.PublishAsync(Flash, "refused");
        await rig.Events.WaitAsync(refused, e => e.Of<InteractionDeferred>().Count > 0, "an InteractionDeferred");

        // Every replica holds the model now, whichever one met the 429.
        await QuotaTestSupport.WaitUntilAsync(() => rig.Workers.All(w => w.Services.GetRequiredService<IQuotaCooldowns>().Remaining(Flash) > TimeSpan.FromHours(1)));
        var held = await rig.PublishAsync(Flash, "held");
        var other = await rig.PublishAsync(Pro, "other");

        var otherEvents = await rig.Events.FinishedAsync(other);
        var heldEvents = await rig.Events.FinishedAsync(held);
        var refusedEvents = await rig.Events.FinishedAsync(refused);
        Assert.Equal("completed", otherEvents.Single<InteractionCompleted>().Status);
        Assert.Equal(0, rig.CreatesFor($"held {held}"));
        Assert.NotEmpty(heldEvents.Of<InteractionDeferred>());
        foreach (var events in new[] { heldEvents, refusedEvents })
        {
            var failed = events.Single<InteractionFailed>();
            Assert.Equal(("quota", true), (failed.Reason, failed.Retryable));
            Assert.Contains("Quota:MaxWait", failed.Message, StringComparison.Ordinal);
            Assert.All(events.Of<InteractionDeferred>(), d => Assert.True(d.RetryAt <= d.WaitingSince.AddSeconds(2.001), $"deferred to {d.RetryAt:O}, waiting since {d.WaitingSince:O}"));
            Assert.DoesNotContain(events.All, m => m is InteractionStarted);
        }
        Assert.Equal(1, rig.Emulator.Quotas.Buckets.Single(b => b.Model == Flash).Refused);
    }

    [Fact]
    public async Task A_request_that_waits_for_quota_within_max_wait_completes_after_being_deferred()
    {
        // One run at a time: the second request is refused (retry in 1 s, longer than the client waits) while the first runs.
        await using var rig = await QuotaRig.StartAsync(2, [new EmulatorQuota { ConcurrentRequests = 1 }],
            new() { ["Quota:MaxWait"] = "00:02:00", ["Interactions:MaxRetryAfter"] = "00:00:00.300" });

        var running = await rig.PublishAsync(Flash, "running", new Dictionary<string, string> { ["emulator_chunks"] = "20", ["emulator_chunk_delay_ms"] = "150" });
        await rig.Events.WaitAsync(running, e => e.Of<InteractionStarted>().Count > 0, "InteractionStarted");
        var waiting = await rig.PublishAsync(Flash, "waiting");

        var events = await rig.Events.FinishedAsync(waiting);
        Assert.Equal("completed", (await rig.Events.FinishedAsync(running)).Single<InteractionCompleted>().Status);
        Assert.Equal("completed", events.Single<InteractionCompleted>().Status);
        var deferred = events.Of<InteractionDeferred>();
        Assert.NotEmpty(deferred);
        Assert.All(deferred, d => Assert.Equal(("quota", Flash), (d.Reason, d.Model)));
        Assert.Empty(events.Of<InteractionFailed>());
    }

    [Fact]
    public async Task A_spent_daily_quota_fails_at_once_as_quota_daily()
    {
        await using var rig = await QuotaRig.StartAsync(1, [new EmulatorQuota { RequestsPerDay = 1 }], new());

        await rig.Events.FinishedAsync(await rig.PublishAsync(Flash, "today"));
        var events = await rig.Events.FinishedAsync(await rig.PublishAsync(Flash, "one too many"));

        var failed = events.Single<InteractionFailed>();
        Assert.Equal("quota_daily", failed.Reason);
        Assert.Contains("GenerateRequestsPerDayPerProjectPerModel", failed.Message, StringComparison.Ordinal);
        Assert.Empty(events.Of<InteractionDeferred>());
    }
}
