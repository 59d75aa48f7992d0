using System.Text.Json;
using Messaging.Contracts;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Faults;

/// <summary>
/// Fault category: a replica with the heap .NET takes in the Kubernetes manifest's 1 GiB container (768 MiB,
/// <c>DOTNET_GCHeapHardLimit</c>) serves 15 MB inline requests, one and five at once (those that do not fit its memory
/// budget wait their turn on the broker), without running out of memory, and within 60 s gives back memory to below twice
/// its idle size.
/// </summary>
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
[Trait("Category", "Fault")]
[Collection(FaultTests.Name)]
public sealed class LargeRequestMemoryTests(ITestOutputHelper output)
{
    private const int RequestMegabytes = 15;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Fifteen_megabyte_requests_complete_under_a_768_MiB_heap_and_the_memory_comes_back()
    {
        await using var rig = await FaultRig.StartAsync(replicas: 1, Ct, extraSettings: new()
        {
            ["DOTNET_GCHeapHardLimit"] = "0x30000000", // 768 MiB
            ["Logging:LogLevel:Messaging.Worker.Streaming.LargeMessageMemory"] = "Information",
        });
        var worker = rig.Workers[0];
        await Task.Delay(TimeSpan.FromSeconds(3), Ct);
        var idle = worker.ResidentBytes();

        var one = Guid.NewGuid();
        var peakOne = await PeakWhileAsync(worker, rig, [one]);
        var five = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToList();
        var peakFive = await PeakWhileAsync(worker, rig, five);

        var after = long.MaxValue;
        var settled = TimeSpan.Zero;
        var started = DateTime.UtcNow;
        while (DateTime.UtcNow - started < TimeSpan.FromSeconds(60))
        {
            after = worker.ResidentBytes();
            settled = DateTime.UtcNow - started;
            if (after < 2 * idle) break;
            await Task.Delay(500, Ct);
        }

        var finals = new[] { one }.Concat(five).Select(id => (rig.Events.Finals(id) is { Count: > 0 } f ? f[^1].GetType().Name : "none")).ToList();
        var line = $"[fault] {RequestMegabytes} MB requests under a 768 MiB heap: idle RSS {Mb(idle)} MB, peak {Mb(peakOne)} MB for one, {Mb(peakFive)} MB for five at once, "
            + $"{Mb(after)} MB {settled.TotalSeconds:0} s after; finals {string.Join(", ", finals)}";
        FaultReport.Print(line);
        output.WriteLine(line);
        foreach (var logged in worker.Lines.Where(l => l.Contains("trimmed", StringComparison.Ordinal))) output.WriteLine(logged);
        output.WriteLine($"emulator saw {rig.Emulator.Requests.Count} requests");
        Assert.All(finals, f => Assert.Equal(nameof(InteractionCompleted), f));
        // Given back: after the last large request the pool's large buffers are dropped and the heap compacted (logged).
        Assert.True(after < 2 * idle, $"RSS {Mb(after)} MB 60 s after the requests, idle {Mb(idle)} MB, peak {Mb(peakFive)} MB");
    }

    private static async Task<long> PeakWhileAsync(WorkerProcess worker, FaultRig rig, IReadOnlyList<Guid> ids)
    {
        foreach (var id in ids) await rig.PublishAsync(id, LargeRequest(id));
        var peak = 0L;
        var done = rig.Events.WaitAsync(ids, TimeSpan.FromSeconds(120), Ct, pollMilliseconds: 50);
        while (!done.IsCompleted)
        {
            peak = Math.Max(peak, worker.ResidentBytes());
            await Task.WhenAny(done, Task.Delay(50, Ct));
        }
        await done;
        return peak;
    }

    private static JsonElement LargeRequest(Guid id)
    {
        var data = new byte[RequestMegabytes * 1_000_000 / 4 * 3]; // base64 makes it 15 MB
        new Random(id.GetHashCode()).NextBytes(data);
        return JsonSerializer.SerializeToElement(new Dictionary<string, object>
        {
            ["model"] = "gemini-3.5-flash",
            ["input"] = new object[]
            {
                new Dictionary<string, string> { ["type"] = "text", ["text"] = $"Describe the picture ({id})" },
                new Dictionary<string, string> { ["type"] = "image", ["mime_type"] = "image/png", ["data"] = Convert.ToBase64String(data) },
            },
        });
    }

    private static long Mb(long bytes) => bytes / (1024 * 1024);
}
