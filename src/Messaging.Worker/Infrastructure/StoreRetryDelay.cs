namespace Messaging.Worker.Infrastructure;

/// <summary>How long to wait before asking an unreachable store (the checkpoint or cancel database) again.</summary>
internal static class StoreRetryDelay
{
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(5);

    /// <summary>100 ms × 2^<paramref name="failures"/>, at most 5 s.</summary>
    public static TimeSpan After(int failures) =>
        TimeSpan.FromMilliseconds(Math.Min(Max.TotalMilliseconds, 100 * Math.Pow(2, Math.Min(failures, 10))));
}
