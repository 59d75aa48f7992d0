using System.Net.ServerSentEvents;
using System.Text;
using BenchmarkDotNet.Attributes;
using Messaging.Interactions.Streaming;

namespace Messaging.Benchmarks.Micro;

/// <summary>
/// The client's SSE reader on a body like the API's: step.delta events with ~200 characters of text.
/// One operation reads the whole body (<see cref="Events"/> events); MB/s and bytes per event are derived
/// from it by <see cref="MicroReport"/>.
/// </summary>
[MemoryDiagnoser]
public class SseParserBenchmarks
{
    public const int Events = 1_000;
    private byte[] _body = [];

    public static int BodyBytes { get; private set; }

    /// <summary>UTF-8 bytes of the JSON payloads alone (what parsing must at least materialise).</summary>
    public static int PayloadBytes { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        var sse = new StringBuilder();
        var payload = 0;
        var text = new string('x', 180) + " works ";
        sse.Append("event: interaction.created\ndata: {\"event_type\":\"interaction.created\",\"event_id\":\"evt_00000001\",\"interaction\":{\"id\":\"v1_bench\",\"status\":\"in_progress\"}}\n\n");
        sse.Append("event: step.start\ndata: {\"event_type\":\"step.start\",\"event_id\":\"evt_00000002\",\"index\":0,\"step\":{\"type\":\"model_output\"}}\n\n");
        for (var i = 0; i < Events; i++)
        {
            var json = $"{{\"event_type\":\"step.delta\",\"event_id\":\"evt_{i + 3:D8}\",\"index\":0,\"delta\":{{\"type\":\"text\",\"text\":\"{text}\"}}}}";
            payload += Encoding.UTF8.GetByteCount(json);
            sse.Append("event: step.delta\ndata: ").Append(json).Append("\n\n");
        }
        _body = Encoding.UTF8.GetBytes(sse.ToString());
        BodyBytes = _body.Length;
        PayloadBytes = payload;
    }

    /// <summary>The runtime's SSE framing alone (no JSON): what the reader costs before it builds each event's JSON object.</summary>
    [Benchmark]
    public async Task<int> FramingOnly()
    {
        var bytes = 0;
        using var stream = new MemoryStream(_body, writable: false);
        await foreach (var item in SseParser.Create(stream, static (_, data) => data.Length).EnumerateAsync()) bytes += item.Data;
        return bytes;
    }

    [Benchmark(Baseline = true)]
    public async Task<int> ReadWholeBody()
    {
        var count = 0;
        using var stream = new MemoryStream(_body, writable: false);
        await foreach (var evt in InteractionEventReader.ReadAsync(stream))
        {
            if (evt is StepDeltaEvent) count++;
        }
        return count;
    }
}
