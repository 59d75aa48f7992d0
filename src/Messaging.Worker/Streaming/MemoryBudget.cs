using System.Runtime;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Streaming;

/// <summary>
/// How much memory the requests of this replica may hold at once. A request costs about <see cref="CostFactor"/> times its
/// size while it runs, plus a fixed overhead per stream: measured in the large-request test (a 15 MB request raised the
/// resident memory by 88–108 MB). Most of it is MassTransit's: the delivery's buffer, the envelope parsed, its message
/// copied out of it, the request copied out of that; the worker adds none (it sends the request to the API from those
/// bytes, streamed). A stream starts only
/// with a reservation; one that can never fit is rejected, one that does not fit now waits for room a little (it is in
/// memory already), then on the broker, and comes back.
/// After the last large request of a burst ends, the memory is given back to the system (a compacting collection),
/// so a replica that served a few 15 MB images returns to its idle size instead of keeping the peak.
/// </summary>
internal sealed class MemoryBudget
{
    /// <summary>Bytes of memory a running request holds per byte of request.</summary>
    public const int CostFactor = 7;

    /// <summary>What any stream holds besides its request (buffers, the relay, the accumulator).</summary>
    public const long StreamOverhead = 256 * 1024;

    /// <summary>Requests above this size count as large: when the last of them ends, the heap is compacted and trimmed.</summary>
    public const long LargeRequestBytes = 1024 * 1024;

    private const double DefaultShare = 0.4;
    private readonly Lock _gate = new();
    private readonly ILogger<MemoryBudget> _logger;
    private long _reserved;
    private int _large;
    private int _trimScheduled;
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MemoryBudget(IOptions<WorkerOptions> options, ILogger<MemoryBudget> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger;
        Total = options.Value.MemoryBudget > 0 ? options.Value.MemoryBudget : Default();
    }

    /// <summary>The budget in bytes.</summary>
    public long Total { get; }

    /// <summary>Bytes reserved by running requests now.</summary>
    public long Reserved
    {
        get { lock (_gate) return _reserved; }
    }

    /// <summary>40 % of what .NET may use here (the container's limit or the heap hard limit, else the machine's memory).</summary>
    public static long Default()
    {
        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available == 0)
        {
            // The figure comes with a collection: before the process's first one it reads 0.
            GC.Collect(0);
            available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        }
        return (long)(available * DefaultShare);
    }

    /// <summary>What a request of <paramref name="requestBytes"/> holds while it runs.</summary>
    public static long CostOf(long requestBytes) => requestBytes * CostFactor + StreamOverhead;

    /// <summary>Whether a request of this size could ever run here.</summary>
    public bool CanEverFit(long requestBytes) => CostOf(requestBytes) <= Total;

    /// <summary>A reservation for a request of <paramref name="requestBytes"/>, or null when it does not fit now.</summary>
    public Reservation? TryReserve(long requestBytes)
    {
        var cost = CostOf(requestBytes);
        lock (_gate)
        {
            // One stream always fits (when it can ever fit): a budget smaller than the stream overheads never deadlocks.
            if (_reserved > 0 && _reserved + cost > Total) return null;
            _reserved += cost;
            if (requestBytes >= LargeRequestBytes) _large++;
        }
        return new Reservation(this, cost, requestBytes >= LargeRequestBytes);
    }

    /// <summary>
    /// A reservation, waiting up to <paramref name="patience"/> for room (the message is in memory already: waiting here
    /// costs nothing more, sending it away and back would); null when there is still none.
    /// </summary>
    public async Task<Reservation?> ReserveAsync(long requestBytes, TimeSpan patience, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            Task released;
            lock (_gate) released = _released.Task;
            if (TryReserve(requestBytes) is { } reservation) return reservation;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return null;
            try
            {
                await released.WaitAsync(left, cancellationToken);
            }
            catch (TimeoutException)
            {
                return null;
            }
        }
    }

    private void Release(long cost, bool large)
    {
        bool trim;
        TaskCompletionSource released;
        lock (_gate)
        {
            _reserved -= cost;
            trim = large && --_large == 0;
            released = _released;
            _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        released.TrySetResult();
        if (trim && Interlocked.Exchange(ref _trimScheduled, 1) == 0) _ = TrimSoonAsync();
    }

    /// <summary>A moment after the last large request, unless another came: compact the heap (the large-object heap too) and give it back.</summary>
    private async Task TrimSoonAsync()
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            lock (_gate)
                if (_large > 0) return;
            var before = Environment.WorkingSet;
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            var info = GC.GetGCMemoryInfo();
            _logger.LogInformation("Large requests done: memory trimmed from {Before} MB to {After} MB (heap {Heap} MB, committed {Committed} MB)",
                before >> 20, Environment.WorkingSet >> 20, info.HeapSizeBytes >> 20, info.TotalCommittedBytes >> 20);
        }
        finally
        {
            Volatile.Write(ref _trimScheduled, 0);
        }
    }

    /// <summary>Held while a request runs; disposing gives its share back.</summary>
    public sealed class Reservation(MemoryBudget budget, long cost, bool large) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) budget.Release(cost, large);
        }
    }
}
