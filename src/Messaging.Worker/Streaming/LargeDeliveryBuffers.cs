using System.Buffers;
using System.Numerics;

namespace Messaging.Worker.Streaming;

/// <summary>
/// Takes the buffers of finished large deliveries out of .NET's shared array pool, so that the collection after a
/// burst frees them. RabbitMQ.Client rents each delivery's body from <see cref="ArrayPool{T}.Shared"/>, and the parse of
/// it rents its index, a buffer of the same size (<see cref="Intake.RequestDeserializer"/>), and a copy sent to another
/// queue rents one more; all are returned when the message is handled. The pool keeps what comes back until a full collection has seen it unused for 60 s, then
/// lets go of one array per 15 s. A replica that served five 15 MB requests would keep 80 MB for minutes. Renting takes
/// the arrays out and dropping them leaves them to the collector; renting from an empty bucket allocates an array that
/// nothing touches and the same collection frees. Nothing in the pool's API releases its arrays, hence this.
/// </summary>
internal sealed class LargeDeliveryBuffers
{
    private const int SmallestBucket = 20; // 1 MiB, LargeMessageMemory.LargeBytes
    private const int LargestBucket = 30; // the shared pool keeps nothing larger than 1 GiB

    /// <summary>At most this many arrays are taken per size, however many deliveries came: a bound on the allocations when the pool is emptier than counted.</summary>
    public const int MaxPerSize = 64;

    private readonly int[] _seen = new int[LargestBucket - SmallestBucket + 1];

    /// <summary>
    /// Buffers of its size a large delivery may leave in the pool: its body, the index of its parse, and the copy sent
    /// on when it goes to an error, skipped or wait queue.
    /// </summary>
    public const int PerDelivery = 3;

    /// <summary>A delivery of <paramref name="bodyBytes"/> came in: its buffers will be in the pool when it is handled.</summary>
    public void Seen(long bodyBytes)
    {
        if (bodyBytes < 1L << SmallestBucket || bodyBytes > 1L << LargestBucket) return;
        var bucket = BitOperations.Log2(BitOperations.RoundUpToPowerOf2((ulong)bodyBytes));
        Interlocked.Add(ref _seen[bucket - SmallestBucket], PerDelivery);
    }

    /// <summary>Takes out of the pool (and drops) as many arrays of each size as deliveries of that size came in; returns how many.</summary>
    public int Drop()
    {
        var dropped = 0;
        for (var i = 0; i < _seen.Length; i++)
        {
            var count = Math.Min(Interlocked.Exchange(ref _seen[i], 0), MaxPerSize);
            for (var n = 0; n < count; n++) _ = ArrayPool<byte>.Shared.Rent(1 << (i + SmallestBucket));
            dropped += count;
        }
        return dropped;
    }
}
