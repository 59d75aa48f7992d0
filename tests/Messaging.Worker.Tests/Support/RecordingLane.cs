using Messaging.Worker.Publishing;
using Messaging.Worker.Streaming;

namespace Messaging.Worker.Tests.Support;

/// <summary>A publishing lane that keeps what it was handed, in order: the relay's output without a broker.</summary>
internal sealed class RecordingLane : IStreamEventLane
{
    public List<(object Message, bool Persistent)> Published { get; } = [];

    public List<Guid> MessageIds { get; } = [];

    public int Confirms { get; private set; }

    public IEnumerable<T> Of<T>() => Published.Select(p => p.Message).OfType<T>();

    public ValueTask PublishAsync<T>(T message, Guid messageId, bool persistent, CancellationToken cancellationToken) where T : class
    {
        Published.Add((message, persistent));
        MessageIds.Add(messageId);
        return ValueTask.CompletedTask;
    }

    public Task ConfirmAsync(CancellationToken cancellationToken)
    {
        Confirms++;
        return Task.CompletedTask;
    }

    /// <summary>What <see cref="Confirmed"/> returns: done at once, unless a test holds the broker's confirms back.</summary>
    public Task ConfirmedTask { get; set; } = Task.CompletedTask;

    public Task Confirmed() => ConfirmedTask;
}
