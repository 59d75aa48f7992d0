using System.Diagnostics;

namespace Messaging.Benchmarks;

/// <summary>
/// Counts the times this process could not run a 10 ms timer's continuation for 50 ms or more (a GC pause, starved
/// threads, the machine's other processes): each such stall delays everything the process had in flight, which is
/// what a latency p99 at 2,000 chunks/s is made of. One per process, started on first use.
/// </summary>
internal static class StallMeter
{
    private const int TickMilliseconds = 10;
    private const int StallMilliseconds = 50;
    private static long s_stalls;
    private static int s_started;

    /// <summary>Stalls of 50 ms or more since the meter started.</summary>
    public static long Stalls
    {
        get
        {
            Start();
            return Interlocked.Read(ref s_stalls);
        }
    }

    public static void Start()
    {
        if (Interlocked.Exchange(ref s_started, 1) == 1) return;
        _ = Task.Run(async () =>
        {
            while (true)
            {
                var before = Stopwatch.GetTimestamp();
                await Task.Delay(TickMilliseconds);
                if (Stopwatch.GetElapsedTime(before).TotalMilliseconds >= TickMilliseconds + StallMilliseconds) Interlocked.Increment(ref s_stalls);
            }
        });
    }
}
