using System.Diagnostics.Metrics;
using Messaging.Worker.Checkpoints;
using Messaging.Worker.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Messaging.Worker.Tests.Checkpoints;

/// <summary>The replica's side of the checkpoints, on the memory store and a fake clock.</summary>
public sealed class StreamCheckpointsTests : IDisposable
{
    private readonly ServiceProvider _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public void Dispose() => _metrics.Dispose();

    [Fact]
    public async Task A_request_that_is_ending_is_not_renewed_and_so_never_counted_as_lost()
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = new FakeTimeProvider();
        var telemetry = new WorkerTelemetry(_metrics.GetRequiredService<IMeterFactory>());
        var options = Options.Create(new CheckpointOptions { Lease = TimeSpan.FromSeconds(3), Interval = TimeSpan.FromMilliseconds(10) });
        var checkpoints = new StreamCheckpoints(new InMemoryStreamCheckpointStore(clock), options, telemetry, clock, NullLogger<StreamCheckpoints>.Instance);
        long renewed = 0, lost = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) => { if (instrument.Meter.Name == WorkerTelemetry.Name) l.EnableMeasurementEvents(instrument); };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "messaging.worker.ownership_lost") Interlocked.Add(ref lost, value);
            if (instrument.Name == "messaging.worker.checkpoint_writes" && tags.ToArray().Any(t => Equals(t.Value, "renew"))) Interlocked.Add(ref renewed, value);
        });
        listener.Start();
        await checkpoints.StartAsync(ct);
        var (running, ending) = (Guid.NewGuid(), Guid.NewGuid());
        await checkpoints.ClaimAsync(running, "h", ct);
        await checkpoints.ClaimAsync(ending, "h", ct);
        Assert.True(await checkpoints.EndingAsync(ending, [], ct)); // its final events are being published

        while (Interlocked.Read(ref renewed) == 0) // until the writer (on its own thread) finds a renewal due
        {
            clock.Advance(TimeSpan.FromMilliseconds(200));
            await Task.Delay(20, ct);
        }
        await checkpoints.StopAsync(ct);

        Assert.Equal(0, Interlocked.Read(ref lost));
    }
}
