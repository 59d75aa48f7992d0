using System.Globalization;
using System.Text.Json;
using Messaging.Contracts;
using Messaging.Worker.Tests.Intake;
using RabbitMQ.Client;

namespace Messaging.Benchmarks;

/// <summary>
/// The memory phase: one worker with the heap .NET takes in the Kubernetes manifest's 1 GiB container (768 MiB), its
/// RSS at rest, at the peak of large requests in flight, a minute after them, and after a fuzz run of hostile messages.
/// </summary>
internal sealed partial class Suite
{
    private const int LargeRequestMegabytes = 5;

    private async Task MemoryAsync()
    {
        var count = _options.LargeRequests;
        Phase($"memory: {count} × {LargeRequestMegabytes} MB requests at once on a worker with a 768 MiB heap, then {_options.AfterLargeRequests.TotalSeconds:0} s at rest, then the fuzz run");
        var settings = new Dictionary<string, string>(WorkerSettings(maxStreams: null)) { ["DOTNET_GCHeapHardLimit"] = ContainerHeapLimit };
        await using var worker = await WorkerProcess.StartAsync(settings);
        await using var downstream = await Downstream.StartAsync(_rabbit, Prefix, DownstreamPrefetch, DownstreamPrefetch);
        await Task.Delay(3000);
        var (idle, _) = worker.Sample();
        var allocatedBefore = worker.AllocatedBytes;

        var ids = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in ids) downstream.Recorder.Track(id);
        await Task.WhenAll(ids.Select(id => downstream.Bus.Publish(new InteractionRequested { RequestId = id, Request = LargeRequest(id, LargeRequestMegabytes) })));
        var all = Task.WhenAll(ids.Select(id => downstream.Recorder.Track(id).Done.Task));
        long peak = 0, inFlightMax = 0, managedMax = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (!all.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Task.WhenAny(all, Task.Delay(50));
            peak = Math.Max(peak, worker.Sample().RssBytes);
            inFlightMax = Math.Max(inFlightMax, worker.InFlight);
            managedMax = Math.Max(managedMax, worker.ManagedBytes);
        }
        var completed = ids.Count(id => downstream.Recorder.Track(id).Completed);
        await Task.Delay(600); // the worker's last stats line
        var allocatedPerMegabyte = (worker.AllocatedBytes - allocatedBefore) / 1048576.0 / (count * LargeRequestMegabytes);

        await Task.Delay(_options.AfterLargeRequests);
        var (after, _) = worker.Sample();
        var heapAfter = worker.GcHeapBytes;

        var (fuzzed, readable, answered) = await FuzzAsync(downstream);
        await Task.Delay(_options.AfterLargeRequests);
        var (afterFuzz, _) = worker.Sample();
        var heapAfterFuzz = worker.GcHeapBytes;

        var perMegabyte = (peak - idle) / 1048576.0 / (Math.Max(1, inFlightMax) * LargeRequestMegabytes);
        var ok = completed == count && answered == readable && perMegabyte <= 4 && after < 2 * idle;
        _rows.Add(new Row($"Memory, {count} × {LargeRequestMegabytes} MB requests on a 768 MiB heap",
            string.Create(Inv, $"{completed}/{count} completed, peak RSS {Mb(peak)} MB ({inFlightMax} in flight, managed objects at most {Mb(managedMax)} MB, {allocatedPerMegabyte:0.0} MB allocated per MB of request); {Mb(after)} MB {_options.AfterLargeRequests.TotalSeconds:0} s after (GC heap {Mb(heapAfter)} MB); {Mb(afterFuzz)} MB {_options.AfterLargeRequests.TotalSeconds:0} s after the fuzz run (GC heap {Mb(heapAfterFuzz)} MB; {fuzzed} hostile messages, {answered}/{readable} with a readable requestId answered)"),
            string.Create(Inv, $"idle RSS {Mb(idle)} MB"),
            string.Create(Inv, $"{perMegabyte:0.0} MB RSS per in-flight MB; {(double)after / idle:0.00}× idle after"),
            "≤ 4 MB per MB; < 2× idle a minute after; every readable requestId answered", ok));
    }

    /// <summary>The test suite's hostile messages (seed 1), published raw; returns (published, with a readable requestId, of those answered).</summary>
    private async Task<(int Published, int Readable, int Answered)> FuzzAsync(Downstream downstream)
    {
        var messages = new HostileMessages(1).Generate(megabyteStrings: 4);
        var readable = messages.Where(m => m.ReadableId is not null).Select(m => m.ReadableId!.Value).Distinct().ToList();
        foreach (var id in readable) downstream.Recorder.Track(id);
        var factory = new ConnectionFactory { Uri = _rabbit };
        await using (var connection = await factory.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)))
        {
            foreach (var message in messages)
            {
                var properties = new BasicProperties { ContentType = message.ContentType, MessageId = message.MessageId.ToString(), Persistent = true };
                await channel.BasicPublishAsync(Prefix + "Messaging.Contracts:InteractionRequested", "", mandatory: false, properties, message.Body);
            }
        }
        var answers = Task.WhenAll(readable.Select(id => downstream.Recorder.Track(id).Done.Task));
        await Task.WhenAny(answers, Task.Delay(TimeSpan.FromMinutes(2)));
        return (messages.Count, readable.Count, readable.Count(id => downstream.Recorder.Track(id).Done.Task.IsCompleted));
    }

    private static JsonElement LargeRequest(Guid id, int megabytes)
    {
        var data = new byte[megabytes * 1_000_000 / 4 * 3]; // base64 makes it the size
        new Random(id.GetHashCode()).NextBytes(data);
        return JsonSerializer.SerializeToElement(new Dictionary<string, object>
        {
            ["model"] = "gemini-3.5-flash",
            ["input"] = new object[]
            {
                new Dictionary<string, string> { ["type"] = "text", ["text"] = "Describe the picture" },
                new Dictionary<string, string> { ["type"] = "image", ["mime_type"] = "image/png", ["data"] = Convert.ToBase64String(data) },
            },
        });
    }

    private static string Mb(long bytes) => (bytes / 1048576.0).ToString("0", CultureInfo.InvariantCulture);
}
