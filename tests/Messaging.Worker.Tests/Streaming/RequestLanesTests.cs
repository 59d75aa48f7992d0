using System.Text.Json;
using Messaging.Client;
using Messaging.Contracts;
using Messaging.Worker.Tests.Faults;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Streaming;

/// <summary>
/// The work queue's lanes on RabbitMQ: small requests run as wide as the stream limit even where the memory budget lets
/// the work queue prefetch only two messages of the largest size; marked ones (the C# bus marks them) reach the small lane
/// straight from the requests' exchange, unmarked ones (plain JSON from another language) are moved there; a request marked
/// small that is not is moved back; and an older worker's direct binding is replaced.
/// </summary>
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
[Collection(FaultTests.Name)]
public sealed class RequestLanesTests(ITestOutputHelper output)
{
    private const int Streams = 60;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>50 MB of budget at 16 MiB per message leaves the work queue a prefetch of 2 (README, "Sizing a replica").</summary>
    private static Dictionary<string, string?> NarrowWorkQueue() => new()
    {
        ["Worker:MaxConcurrentStreams"] = Streams.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Worker:MemoryBudget"] = "50000000",
        ["Worker:MaxRequestBytes"] = "16777216",
    };

    [Fact]
    public async Task Small_requests_marked_or_not_all_run_at_once_where_the_work_queue_prefetches_two()
    {
        await using var rig = await FaultRig.StartAsync(replicas: 1, Ct, extraSettings: NarrowWorkQueue());
        var ids = Enumerable.Range(0, Streams).Select(_ => Guid.NewGuid()).ToList();
        for (var i = 0; i < ids.Count; i++)
        {
            var request = FaultRig.SlowRequest(ids[i], chunks: 20, delayMs: 400);
            if (i % 2 == 0) await rig.PublishAsync(ids[i], request); // marked by the bus
            else await rig.PublishPlainAsync(ids[i], request); // unmarked: moved by the work queue
        }

        await rig.Events.FirstDeltaAsync(ids, Ct);
        var endedBeforeAllStarted = ids.Count(id => rig.Events.Finals(id).Count > 0);
        Assert.True(await rig.Events.WaitAsync(ids, TimeSpan.FromMinutes(2), Ct));
        var line = $"[lanes] {Streams} small requests ({Streams / 2} marked, {Streams / 2} plain) on a replica whose work queue prefetches 2: " +
                   $"all streaming at once; {endedBeforeAllStarted} ended before the last one started; creates {ids.Sum(rig.CreatesOf)}";
        FaultReport.Print(line);
        output.WriteLine(line);
        Assert.Equal(0, endedBeforeAllStarted);
        Assert.All(ids, id =>
        {
            Assert.IsType<InteractionCompleted>(Assert.Single(rig.Events.Finals(id)));
            Assert.Equal(1, rig.CreatesOf(id));
        });
    }

    [Fact]
    public async Task A_large_request_marked_small_is_moved_to_the_work_queue_and_runs_once()
    {
        await using var rig = await FaultRig.StartAsync(replicas: 1, Ct, extraSettings: NarrowWorkQueue());
        var (lying, plain) = (Guid.NewGuid(), Guid.NewGuid());
        await rig.PublishPlainAsync(lying, Large(lying), new Dictionary<string, object?> { [RequestLanes.Header] = RequestLanes.Small });
        await rig.PublishPlainAsync(plain, Large(plain));

        Assert.True(await rig.Events.WaitAsync([lying, plain], TimeSpan.FromMinutes(1), Ct));
        foreach (var id in new[] { lying, plain })
        {
            Assert.IsType<InteractionCompleted>(Assert.Single(rig.Events.Finals(id)));
            Assert.Equal(1, rig.CreatesOf(id));
        }
    }

    [Fact]
    public async Task The_direct_binding_of_an_older_worker_is_replaced_by_the_lanes()
    {
        await using var rig = await FaultRig.StartAsync(replicas: 0, Ct, extraSettings: NarrowWorkQueue());
        var requests = $"{rig.Prefix}Messaging.Contracts:InteractionRequested";
        var entry = $"{rig.Prefix}interaction-requested";
        // What a worker without lanes left on the broker: the requests' exchange bound straight to the work queue's.
        await using (var connection = await new RabbitMQ.Client.ConnectionFactory { Uri = rig.BrokerUrl }.CreateConnectionAsync(Ct))
        await using (var channel = await connection.CreateChannelAsync(cancellationToken: Ct))
        {
            await channel.ExchangeDeclareAsync(requests, "fanout", durable: true, autoDelete: false, cancellationToken: Ct);
            await channel.ExchangeDeclareAsync(entry, "fanout", durable: true, autoDelete: false, cancellationToken: Ct);
            await channel.ExchangeBindAsync(entry, requests, "", cancellationToken: Ct);
        }
        Assert.Contains((requests, entry), await BindingsAsync(rig));

        await rig.StartWorkerAsync(Ct);
        var id = Guid.NewGuid();
        await rig.PublishAsync(id, FaultRig.SlowRequest(id, chunks: 3, delayMs: 10));
        Assert.True(await rig.Events.WaitAsync([id], TimeSpan.FromMinutes(1), Ct));

        var bindings = await BindingsAsync(rig);
        output.WriteLine(string.Join('\n', bindings));
        Assert.DoesNotContain((requests, entry), bindings);
        Assert.Contains((requests, $"{rig.Prefix}interaction-requested-lanes"), bindings);
        Assert.Contains(($"{rig.Prefix}interaction-requested-lanes", $"{rig.Prefix}interaction-requested-small"), bindings);
        Assert.Equal(1, rig.CreatesOf(id));
        Assert.Single(rig.Events.Finals(id));
    }

    /// <summary>The exchange-to-exchange and exchange-to-queue bindings under the rig's prefix (source, destination).</summary>
    private static async Task<List<(string Source, string Destination)>> BindingsAsync(FaultRig rig) =>
        (await RabbitCtl.RunAsync(rig.BrokerUrl, "list_bindings", "source_name", "destination_name"))
        .Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(static l => l.Split('\t'))
        .Where(p => p.Length == 2 && p[0].StartsWith(rig.Prefix, StringComparison.Ordinal))
        .Select(static p => (p[0], p[1]))
        .Distinct()
        .ToList();

    /// <summary>A request of about 200 KB: above the small lane's 64 KiB.</summary>
    private static JsonElement Large(Guid id) => JsonSerializer.SerializeToElement(new Dictionary<string, object>
    {
        ["model"] = "gemini-3.5-flash",
        ["input"] = new string('x', 200_000),
        ["labels"] = new Dictionary<string, string> { ["test_request"] = id.ToString() },
    });
}
