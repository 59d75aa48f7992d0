using System.Diagnostics;
using System.Runtime;

namespace Messaging.Worker.Streaming;

/// <summary>
/// Gives the memory of large messages back once they are done, so a replica that served a few 15 MB images returns to
/// near its idle size instead of keeping its peak: when no large request has run and no large delivery has come in for
/// <see cref="Quiet"/>, the shared pool's buffers of those deliveries are dropped (<see cref="LargeDeliveryBuffers"/>)
/// and the heap, the large-object heap included, is compacted and returned to the system. Half a minute later once more,
/// for the buffers that other threads keep in the pool, which it lets go of only at a collection 30 s after it has seen
/// them. Every endpoint's reader reports its large deliveries (<see cref="Intake.RequestDeserializer"/>), so a burst of
/// large messages that were rejected or only passed through the saga is given back as well.
/// </summary>
internal sealed class LargeMessageMemory(ILogger<LargeMessageMemory> logger)
{
    /// <summary>Messages of this size or more count as large.</summary>
    public const long LargeBytes = 1024 * 1024;

    /// <summary>How long nothing large must have happened before memory is given back.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(1);

    /// <summary>When memory is given back a second time.</summary>
    public static readonly TimeSpan Later = TimeSpan.FromSeconds(31);

    private readonly LargeDeliveryBuffers _buffers = new();
    private int _running;
    private long _lastActivity;
    private int _scheduled;
    private int _rounds;

    /// <summary>A delivery of <paramref name="bodyBytes"/> was read.</summary>
    public void DeliveryRead(long bodyBytes)
    {
        if (bodyBytes < LargeBytes) return;
        _buffers.Seen(bodyBytes);
        Touch();
    }

    /// <summary>A large request started running.</summary>
    public void RequestStarted()
    {
        Interlocked.Increment(ref _running);
        Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());
    }

    /// <summary>A large request ended.</summary>
    public void RequestEnded()
    {
        Interlocked.Decrement(ref _running);
        Touch();
    }

    private void Touch()
    {
        Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());
        if (Interlocked.Exchange(ref _scheduled, 1) == 0) _ = GiveBackWhenQuietAsync();
    }

    private async Task GiveBackWhenQuietAsync()
    {
        do await Task.Delay(Quiet);
        while (Volatile.Read(ref _running) > 0 || Stopwatch.GetElapsedTime(Volatile.Read(ref _lastActivity)) < Quiet);
        Volatile.Write(ref _scheduled, 0); // from here on, anything large schedules the next round
        var round = Interlocked.Increment(ref _rounds);

        var before = Environment.WorkingSet;
        var dropped = _buffers.Drop();
        Compact();
        var info = GC.GetGCMemoryInfo();
        logger.LogInformation("Large messages done: memory trimmed from {Before} MB to {After} MB (heap {Heap} MB, committed {Committed} MB, {Dropped} pooled buffers dropped)",
            before >> 20, Environment.WorkingSet >> 20, info.HeapSizeBytes >> 20, info.TotalCommittedBytes >> 20, dropped);

        await Task.Delay(Later);
        if (Volatile.Read(ref _rounds) != round || Volatile.Read(ref _running) > 0) return; // a later round gives back for itself
        Compact();
        info = GC.GetGCMemoryInfo();
        logger.LogInformation("Large messages done {Later} s ago: memory trimmed again to {After} MB (heap {Heap} MB, committed {Committed} MB)",
            (int)Later.TotalSeconds, Environment.WorkingSet >> 20, info.HeapSizeBytes >> 20, info.TotalCommittedBytes >> 20);
    }

    private static void Compact()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }
}
