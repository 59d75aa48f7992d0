using System.Diagnostics.Metrics;
using System.Globalization;
using MassTransit;
using Messaging.Worker.Infrastructure;

namespace Messaging.Benchmarks;

/// <summary>
/// A worker replica in its own process, built exactly as the worker's Program.cs builds it (same calls,
/// workstation GC as the worker's runtimeconfig), plus a line of statistics on stdout every 250 ms that
/// only the process itself can see: GC heap, requests handled, streams in flight, deltas published, GC
/// pause time, stalls, bytes allocated (<see cref="StallMeter"/>); and a line per lease wait and per create window (ms).
/// Settings come from the environment (<c>Bus__RabbitMqUrl</c>, <c>Worker__…</c>), as for the real worker.
/// </summary>
internal static class WorkerMode
{
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.Services.AddMessagingWorker(builder.Configuration);
        builder.Services.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = true);
        var app = builder.Build();
        app.MapDefaultEndpoints();

        long handled = 0, inFlight = 0, deltas = 0;
        var stages = new System.Collections.Concurrent.ConcurrentQueue<(string Stage, double Milliseconds)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == WorkerTelemetry.Name) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            switch (instrument.Name)
            {
                case "messaging.worker.interactions": Interlocked.Add(ref handled, value); break;
                case "messaging.worker.streams_in_flight": Interlocked.Add(ref inFlight, value); break;
                case "messaging.worker.step_deltas": Interlocked.Add(ref deltas, value); break;
            }
        });
        // Histograms that only this process sees, one line per measurement (rare: one per request at most).
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "messaging.worker.request_stage")
            {
                // Written with the stats line, not here: the stream that reached the stage does not wait for the console.
                foreach (var tag in tags) if (tag.Key == "stage") stages.Enqueue(((string)tag.Value!, value));
                return;
            }
            var kind = instrument.Name switch
            {
                "messaging.worker.lease_wait" => "LEASEWAIT",
                "messaging.worker.create_window" => "CREATEWINDOW",
                _ => null,
            };
            if (kind is not null) Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kind} {value * 1000:0.000}"));
        });
        listener.Start();
        using var sampler = Environment.GetEnvironmentVariable("BENCH_ALLOCATIONS") is not null ? new AllocationSampler() : null;

        await app.StartAsync();
        StallMeter.Start();
        await Console.Out.WriteLineAsync("READY");
        await Console.Out.FlushAsync();
        var stopping = app.Lifetime.ApplicationStopping;
        // The parent closes our stdin to stop us, so a crashed benchmark leaves no worker behind.
        _ = Task.Run(async () =>
        {
            while (await Console.In.ReadLineAsync() is not null) { }
            app.Lifetime.StopApplication();
        });
        while (!stopping.IsCancellationRequested)
        {
            var line = string.Create(CultureInfo.InvariantCulture,
                $"STATS {GC.GetGCMemoryInfo().HeapSizeBytes} {Interlocked.Read(ref handled)} {Interlocked.Read(ref inFlight)} {Interlocked.Read(ref deltas)} {GC.GetTotalMemory(false)} {GC.GetTotalPauseDuration().TotalMilliseconds:0.0} {StallMeter.Stalls} {GC.GetTotalAllocatedBytes()}");
            await Console.Out.WriteLineAsync(line);
            while (stages.TryDequeue(out var stage))
                await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"STAGE {stage.Stage} {stage.Milliseconds:0.000}"));
            await Console.Out.FlushAsync();
            try { await Task.Delay(250, stopping); } catch (OperationCanceledException) { break; }
        }
        await app.StopAsync();
        if (sampler is not null && Environment.GetEnvironmentVariable("BENCH_ALLOCATIONS") is { } path)
            await File.WriteAllLinesAsync(path, sampler.Top(25).Select(kv => $"{kv.Value >> 20} MB {kv.Key}"));
        return 0;
    }
}
