using Microsoft.Extensions.Options;

namespace Messaging.Worker.Streaming;

/// <summary>
/// How much memory the requests of this replica may hold at once. A request is counted at <see cref="CostFactor"/> times its
/// size while it runs, plus a fixed overhead per stream; measured, it holds 1.7–2.3 times (the large-request test: five 15 MB
/// requests raised the resident memory by 1.7 MB per MB; the benchmark: ten 5 MB requests by 2.3). That is the delivery's
/// buffer (RabbitMQ.Client's, read where it lies) and the index of the one parse (<see cref="Intake.RequestDeserializer"/>),
/// for the work queue's copy and the saga's; the request itself is sent to the API from those bytes, streamed. A stream starts only
/// with a reservation; one that can never fit is rejected, one that does not fit now waits for room a little (it is in
/// memory already), then on the broker, and comes back.
/// After a burst of large requests the memory is given back to the system (<see cref="LargeMessageMemory"/>).
/// </summary>
internal sealed class MemoryBudget
{
    /// <summary>Bytes of memory a running request holds per byte of request.</summary>
    public const int CostFactor = 3;

    /// <summary>
    /// What any stream holds besides its request (buffers, the relay, the accumulator): measured, 118–121 KB of resident
    /// memory per slow stream with 2,000 and 5,000 at once under a 768 MiB heap (the benchmark's footprint phase).
    /// </summary>
    public const long StreamOverhead = 128 * 1024;

    private const double DefaultShare = 0.4;
    private readonly Lock _gate = new();
    private readonly LargeMessageMemory _largeMessages;
    private long _reserved;
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MemoryBudget(IOptions<WorkerOptions> options, LargeMessageMemory large)
    {
        ArgumentNullException.ThrowIfNull(options);
        _largeMessages = large;
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
        }
        var large = requestBytes >= LargeMessageMemory.LargeBytes;
        if (large) _largeMessages.RequestStarted();
        return new Reservation(this, cost, large);
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
        TaskCompletionSource released;
        lock (_gate)
        {
            _reserved -= cost;
            released = _released;
            _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        released.TrySetResult();
        if (large) _largeMessages.RequestEnded();
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
