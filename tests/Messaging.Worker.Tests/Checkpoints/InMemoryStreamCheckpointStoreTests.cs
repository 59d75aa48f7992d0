using Messaging.Worker.Checkpoints;
using Microsoft.Extensions.Time.Testing;

namespace Messaging.Worker.Tests.Checkpoints;

/// <summary>The checkpoint contract on the single-process store, on a fake clock.</summary>
public sealed class InMemoryStreamCheckpointStoreTests : StreamCheckpointStoreContract
{
    private readonly FakeTimeProvider _clock = new();

    public override ValueTask InitializeAsync()
    {
        Store = new InMemoryStreamCheckpointStore(_clock);
        return ValueTask.CompletedTask;
    }

    private protected override Task TickAsync()
    {
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        return Task.CompletedTask;
    }
}
