namespace Messaging.Emulator.Streaming;

/// <summary>
/// The SSE events of one interaction, as pre-encoded frames, in order. A run appends; any number
/// of readers (the creating stream, resumed GET streams) replay from an index and then wait for
/// more. Event <c>n</c> (1-based, its <c>event_id</c>) sits at index <c>n - 1</c>.
/// </summary>
internal sealed class EventLog
{
    private readonly List<byte[]> frames = [];
    private readonly Lock gate = new();
    private TaskCompletionSource? waiters;
    private bool completed;

    public void Append(byte[] frame)
    {
        TaskCompletionSource? release;
        lock (gate)
        {
            frames.Add(frame);
            release = waiters;
            waiters = null;
        }

        release?.TrySetResult();
    }

    public void Complete()
    {
        TaskCompletionSource? release;
        lock (gate)
        {
            completed = true;
            release = waiters;
            waiters = null;
        }

        release?.TrySetResult();
    }

    public int Count
    {
        get
        {
            lock (gate)
            {
                return frames.Count;
            }
        }
    }

    /// <summary>The frame at <paramref name="index"/>, or false with <paramref name="ended"/> telling whether none will ever come.</summary>
    public bool TryRead(int index, out byte[] frame, out bool ended)
    {
        lock (gate)
        {
            if (index < frames.Count)
            {
                frame = frames[index];
                ended = false;
                return true;
            }

            frame = [];
            ended = completed;
            return false;
        }
    }

    /// <summary>Completes when an event at <paramref name="index"/> exists or the log has ended.</summary>
    public Task WaitAsync(int index, CancellationToken cancellationToken)
    {
        Task wait;
        lock (gate)
        {
            if (index < frames.Count || completed)
            {
                return Task.CompletedTask;
            }

            waiters ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            wait = waiters.Task;
        }

        return wait.WaitAsync(cancellationToken);
    }
}
