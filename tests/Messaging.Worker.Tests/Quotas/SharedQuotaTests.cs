using Messaging.Contracts;
using Messaging.Emulator.Quotas;
using Messaging.Worker.Tests.Faults;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Quotas;

/// <summary>
/// Three replicas on one key whose quota is a few creates per 10-second window, and a burst of requests far beyond
/// it: with the limit configured (Quota:Limits), the replicas admit creates together, counted in PostgreSQL, so the
/// burst drains at the quota's rate — every request completes, none fails, and the API refuses almost nothing.
/// Counts are taken at the emulator; nothing is timed.
/// </summary>
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
[Trait("Category", "Fault")]
[Collection(FaultTests.Name)]
public sealed class SharedQuotaTests
{
    private const int Replicas = 3;
    private const int Requests = 120;
    private const int PerWindow = 20;
    private const double WindowSeconds = 10;

    /// <summary>429s allowed per window: a create admitted at a window's very end may reach the API in the next one.</summary>
    private const int RefusalsPerWindow = 2;

    [Fact]
    public async Task A_burst_over_one_quota_drains_at_its_rate_across_replicas_with_almost_no_429s()
    {
        await using var rig = await QuotaRig.StartAsync(Replicas,
            [new EmulatorQuota { RequestsPerWindow = PerWindow, TokensPerWindow = 1_000_000, WindowSeconds = WindowSeconds }],
            new()
            {
                ["Quota:Limits:0:Model"] = "*",
                ["Quota:Limits:0:RequestsPerWindow"] = PerWindow.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Quota:Limits:0:WindowSeconds"] = WindowSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });

        var ids = await Task.WhenAll(Enumerable.Range(0, Requests).Select(i => rig.PublishAsync("gemini-3.5-flash", $"burst {i}")));
        var finished = await Task.WhenAll(ids.Select(rig.Events.FinishedAsync));

        var report = rig.Emulator.Quotas;
        var windows = report.Buckets.SelectMany(b => b.Windows).ToList();
        var completed = finished.Count(e => e.Of<InteractionCompleted>().Count == 1);
        var failed = finished.Count(e => e.Of<InteractionFailed>().Count > 0);
        var deferred = finished.Count(e => e.Of<InteractionDeferred>().Count > 0);
        FaultReport.Print($"[quota] {Replicas} replicas, {Requests} requests, {PerWindow} per {WindowSeconds} s window: completed {completed}, failed {failed}, " +
                          $"deferred {deferred}, admitted {report.Admitted}, 429s {report.Refused} over {windows.Count} windows " +
                          $"(most admitted in one window {windows.Max(w => w.Admitted)})");
        Assert.Equal(Requests, completed);
        Assert.Equal(0, failed);
        Assert.All(windows, w => Assert.True(w.Admitted <= PerWindow, $"{w.Admitted} admitted in the window of {w.Start:O}"));
        Assert.InRange(report.Refused, 0, RefusalsPerWindow * windows.Count);
    }

    [Fact]
    public async Task A_burst_over_a_token_quota_drains_within_it_across_replicas()
    {
        const int requests = 60;
        const long tokensPerWindow = 3000;
        await using var rig = await QuotaRig.StartAsync(Replicas,
            [new EmulatorQuota { TokensPerWindow = tokensPerWindow, WindowSeconds = WindowSeconds }],
            new()
            {
                ["Quota:Limits:0:Model"] = "*",
                ["Quota:Limits:0:TokensPerWindow"] = tokensPerWindow.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Quota:Limits:0:WindowSeconds"] = WindowSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Quota:DefaultOutputTokens"] = "300",
            });

        var ids = await Task.WhenAll(Enumerable.Range(0, requests).Select(i => rig.PublishAsync("gemini-3.5-flash", $"tokens {i}")));
        var finished = await Task.WhenAll(ids.Select(rig.Events.FinishedAsync));

        var report = rig.Emulator.Quotas;
        var windows = report.Buckets.SelectMany(b => b.Windows).ToList();
        var completed = finished.Count(e => e.Of<InteractionCompleted>().Count == 1);
        var failed = finished.Count(e => e.Of<InteractionFailed>().Count > 0);
        var used = finished.Sum(e => e.Of<InteractionCompleted>().SingleOrDefault()?.Usage.GetProperty("total_tokens").GetInt64() ?? 0);
        FaultReport.Print($"[quota] {Replicas} replicas, {requests} requests, {tokensPerWindow} tokens per {WindowSeconds} s window: completed {completed}, failed {failed}, " +
                          $"tokens used {used}, 429s {report.Refused} over {windows.Count} windows (most tokens in one window {windows.Max(w => w.Tokens)})");
        Assert.Equal(requests, completed);
        Assert.Equal(0, failed);
        Assert.InRange(report.Refused, 0, RefusalsPerWindow * windows.Count);
    }

    [Fact]
    public async Task Streams_over_a_concurrency_quota_run_within_it_across_replicas()
    {
        const int requests = 12;
        const int running = 2;
        await using var rig = await QuotaRig.StartAsync(Replicas, [new EmulatorQuota { ConcurrentRequests = running }],
            new()
            {
                ["Quota:Limits:0:Model"] = "*",
                ["Quota:Limits:0:ConcurrentStreams"] = running.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });

        var labels = new Dictionary<string, string> { ["emulator_chunks"] = "10", ["emulator_chunk_delay_ms"] = "100" };
        var ids = await Task.WhenAll(Enumerable.Range(0, requests).Select(i => rig.PublishAsync("gemini-3.5-flash", $"concurrent {i}", labels)));
        var finished = await Task.WhenAll(ids.Select(rig.Events.FinishedAsync));

        var bucket = rig.Emulator.Quotas.Buckets.Single();
        var completed = finished.Count(e => e.Of<InteractionCompleted>().Count == 1);
        FaultReport.Print($"[quota] {Replicas} replicas, {requests} one-second streams, {running} at once allowed: completed {completed}, " +
                          $"429s {bucket.Refused}, most running at once at the API {bucket.PeakConcurrent}");
        Assert.Equal(requests, completed);
        Assert.Equal(0, bucket.Refused);
        Assert.True(bucket.PeakConcurrent <= running, $"{bucket.PeakConcurrent} ran at once");
    }
}
