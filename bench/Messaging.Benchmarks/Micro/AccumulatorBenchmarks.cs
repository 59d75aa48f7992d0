using BenchmarkDotNet.Attributes;
using Messaging.Interactions.Streaming;

namespace Messaging.Benchmarks.Micro;

/// <summary>The delta accumulator: one stream of <see cref="Deltas"/> text deltas applied and turned into the interaction.</summary>
[MemoryDiagnoser]
public class AccumulatorBenchmarks
{
    public const int Deltas = 1_000;
    private List<InteractionEvent> _events = [];

    [GlobalSetup]
    public void Setup()
    {
        var text = new string('x', 180) + " works ";
        _events =
        [
            InteractionEvent.Parse("{\"event_type\":\"interaction.created\",\"event_id\":\"evt_1\",\"interaction\":{\"id\":\"v1_bench\",\"status\":\"in_progress\"}}"),
            InteractionEvent.Parse("{\"event_type\":\"step.start\",\"event_id\":\"evt_2\",\"index\":0,\"step\":{\"type\":\"model_output\"}}"),
        ];
        for (var i = 0; i < Deltas; i++)
            _events.Add(InteractionEvent.Parse($"{{\"event_type\":\"step.delta\",\"event_id\":\"evt_{i + 3}\",\"index\":0,\"delta\":{{\"type\":\"text\",\"text\":\"{text}\"}}}}"));
        _events.Add(InteractionEvent.Parse("{\"event_type\":\"step.stop\",\"event_id\":\"evt_x\",\"index\":0}"));
        _events.Add(InteractionEvent.Parse("{\"event_type\":\"interaction.completed\",\"event_id\":\"evt_y\",\"interaction\":{\"id\":\"v1_bench\",\"status\":\"completed\"}}"));
    }

    [Benchmark]
    public int ApplyStream()
    {
        var accumulator = new InteractionAccumulator();
        foreach (var evt in _events) accumulator.Apply(evt);
        return accumulator.ToInteraction().Steps.Count;
    }
}
