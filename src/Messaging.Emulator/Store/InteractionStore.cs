using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Messaging.Emulator.Store;

/// <summary>
/// Stored interactions by id, in memory. Beyond <see cref="EmulatorOptions.StoreCapacity"/> the
/// oldest finished ones are dropped, so a long benchmark does not grow without bound.
/// </summary>
internal sealed class InteractionStore(IOptions<EmulatorOptions> options)
{
    private readonly ConcurrentDictionary<string, InteractionRun> runs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> arrivals = new();
    private int count;

    public void Add(InteractionRun run)
    {
        if (runs.TryAdd(run.Id, run))
        {
            Interlocked.Increment(ref count);
            arrivals.Enqueue(run.Id);
            Trim();
        }
    }

    public bool TryGet(string id, out InteractionRun run) => runs.TryGetValue(id, out run!);

    public bool TryRemove(string id, out InteractionRun run)
    {
        if (runs.TryRemove(id, out run!))
        {
            Interlocked.Decrement(ref count);
            return true;
        }

        return false;
    }

    private void Trim()
    {
        var capacity = Math.Max(1, options.Value.StoreCapacity);
        var budget = arrivals.Count;
        while (Volatile.Read(ref count) > capacity && budget-- > 0 && arrivals.TryDequeue(out var oldest))
        {
            if (runs.TryGetValue(oldest, out var run) && !run.IsFinished)
            {
                arrivals.Enqueue(oldest);
                continue;
            }

            TryRemove(oldest, out _);
        }
    }
}
