using System.Diagnostics.Metrics;
using Messaging.Worker.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Worker.Tests.Quotas;

/// <summary>What the quota tests share: a telemetry to hand the admissions, and waiting for a condition the test cannot await.</summary>
internal static class QuotaTestSupport
{
    public static WorkerTelemetry Telemetry { get; } =
        new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());

    /// <summary>Returns once <paramref name="condition"/> holds; fails the test after 30 s.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition()) await Task.Delay(10, timeout.Token);
    }
}
