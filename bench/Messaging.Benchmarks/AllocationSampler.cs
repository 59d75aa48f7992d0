using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Messaging.Benchmarks;

/// <summary>Samples the runtime's allocation ticks (one per ~100 KB allocated) by type: where a worker's bytes go.</summary>
internal sealed class AllocationSampler : EventListener
{
    private readonly ConcurrentDictionary<string, long> _bytes = new();

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1);
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.Payload is null) return;
        var type = eventData.PayloadNames!.IndexOf("TypeName") is var t and >= 0 ? eventData.Payload[t] as string ?? "?" : "?";
        var amount = eventData.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(eventData.Payload[a], System.Globalization.CultureInfo.InvariantCulture) : 0;
        var size = eventData.PayloadNames.IndexOf("ObjectSize") is var o and >= 0 ? Convert.ToInt64(eventData.Payload[o], System.Globalization.CultureInfo.InvariantCulture) : 0;
        if (size >= 85_000) type += $" of {size >> 10} KB";
        _bytes.AddOrUpdate(type, amount, (_, b) => b + amount);
    }

    public IEnumerable<KeyValuePair<string, long>> Top(int n) => _bytes.OrderByDescending(kv => kv.Value).Take(n);
}
