using System.Globalization;
using Messaging.Contracts;
using Messaging.Emulator.Quotas;
using Messaging.Worker.Tests.Faults;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Quotas;

/// <summary>
/// Two tenants wait for one quota: one with a large backlog published first, one with a few requests after it; they wait
/// on the broker, in the order they came. The replicas share each window between the tenants that wait, so the small
/// tenant's requests go out in its share while the backlog drains, instead of behind it (first come, first served). Order and counts are taken at the emulator; nothing is timed.
/// </summary>
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
[Trait("Category", "Fault")]
[Collection(FaultTests.Name)]
public sealed class FairQuotaTests
{
    private const int Backlog = 36;
    private const int Few = 6;
    private const int PerWindow = 6;
    private const double WindowSeconds = 3;

    [Fact]
    public async Task A_tenant_with_a_few_requests_is_admitted_in_its_share_while_another_tenants_backlog_waits()
    {
        await using var rig = await QuotaRig.StartAsync(2,
            [new EmulatorQuota { RequestsPerWindow = PerWindow, WindowSeconds = WindowSeconds }],
            new()
            {
                ["Quota:Limits:0:Model"] = "*",
                ["Quota:Limits:0:RequestsPerWindow"] = PerWindow.ToString(CultureInfo.InvariantCulture),
                ["Quota:Limits:0:WindowSeconds"] = WindowSeconds.ToString(CultureInfo.InvariantCulture),
                // Shorter than a window, as the client's 30 s are than Gemini's minute: the requests wait on the broker, in order.
                ["Interactions:MaxRetryAfter"] = "00:00:00.500",
                ["Worker:MaxConcurrentStreams"] = "32",
            });

        var backlog = new List<Guid>();
        for (var i = 0; i < Backlog; i++) backlog.Add(await rig.PublishAsync("gemini-3.5-flash", $"fair-backlog {i}", tenant: "backlog"));
        var few = new List<Guid>();
        for (var i = 0; i < Few; i++) few.Add(await rig.PublishAsync("gemini-3.5-flash", $"fair-few {i}", tenant: "few"));
        var finished = await Task.WhenAll(backlog.Concat(few).Select(rig.Events.FinishedAsync));

        // The creates in the order the API got them: how many of the backlog's went out before the last of the few.
        var creates = rig.Emulator.Requests.Where(r => r.Method == "POST")
            .Select(r => r.Body.Contains("fair-few", StringComparison.Ordinal) ? 'f' : r.Body.Contains("fair-backlog", StringComparison.Ordinal) ? 'b' : '-')
            .Where(c => c != '-').ToList();
        var backlogBeforeLastFew = creates.Take(creates.LastIndexOf('f')).Count(c => c == 'b');
        var report = rig.Emulator.Quotas;
        var windows = report.Buckets.SelectMany(b => b.Windows).ToList();
        var completed = finished.Count(e => e.Of<InteractionCompleted>().Count == 1);
        FaultReport.Print($"[quota] fair shares: {Backlog} requests of one tenant, then {Few} of another, {PerWindow} per {WindowSeconds} s window: " +
                          $"completed {completed}, 429s {report.Refused}, the backlog's creates before the other tenant's last: {backlogBeforeLastFew} " +
                          $"(first come, first served would give up to {Backlog}); order {new string([.. creates])}");
        Assert.Equal(Backlog + Few, completed);
        Assert.All(windows, w => Assert.True(w.Admitted <= PerWindow, $"{w.Admitted} admitted in the window of {w.Start:O}"));
        // Fair: the few get half of each window they wait in, so they are through by the backlog's third window (12 of its
        // creates); a margin of two windows. First come, first served puts them behind most of the backlog.
        Assert.InRange(backlogBeforeLastFew, 0, 12 + 2 * PerWindow);
    }
}
