using System.Collections.Concurrent;

namespace Messaging.Worker.Checkpoints;

/// <summary>
/// Group commit: items handed in one by one are written together, one write at a time. When idle an item goes out at
/// once, alone; under load every item that came while a write ran goes in the next one, so a burst of requests costs a
/// few statements instead of one each (and one database connection instead of one per request). Each caller gets its
/// own item's answer, or the write's exception (the caller decides whether to try again). Hand-written because nothing
/// in the framework batches calls by arrival (Channels and TPL Dataflow batch by count or time, which adds a wait when idle).
/// </summary>
/// <param name="write">Writes a batch and returns one answer per item, in the batch's order.</param>
internal sealed class GroupCommit<TItem, TResult>(Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> write)
{
    private readonly ConcurrentQueue<(TItem Item, TaskCompletionSource<TResult> Answer)> _queue = new();
    private int _writing; // 1 while a writer drains the queue

    /// <summary>Hands in an item; completes when the write that carried it did.</summary>
    public Task<TResult> SubmitAsync(TItem item, CancellationToken cancellationToken = default)
    {
        var answer = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Enqueue((item, answer));
        if (Interlocked.CompareExchange(ref _writing, 1, 0) == 0) _ = Task.Run(DrainAsync, CancellationToken.None);
        // A caller that stops waiting leaves its item in the write: it may still be recorded.
        return answer.Task.WaitAsync(cancellationToken);
    }

    private async Task DrainAsync()
    {
        var batch = new List<(TItem Item, TaskCompletionSource<TResult> Answer)>();
        while (true)
        {
            batch.Clear();
            while (_queue.TryDequeue(out var entry)) batch.Add(entry);
            if (batch.Count == 0)
            {
                Volatile.Write(ref _writing, 0);
                // An item queued after the last look but before the flag dropped would wait for the next caller: look again.
                if (_queue.IsEmpty || Interlocked.CompareExchange(ref _writing, 1, 0) != 0) return;
                continue;
            }
            try
            {
                var answers = await write(batch.Select(b => b.Item).ToList());
                for (var i = 0; i < batch.Count; i++) batch[i].Answer.TrySetResult(answers[i]);
            }
            catch (Exception ex)
            {
                foreach (var (_, answer) in batch) answer.TrySetException(ex);
            }
        }
    }
}
