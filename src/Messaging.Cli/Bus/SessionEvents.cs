using System.Threading.Channels;

namespace Messaging.Cli.Bus;

/// <summary>
/// Every bus event the CLI receives, in arrival order, for the session that waits on them. One
/// reader (the command being run); the consumers write.
/// </summary>
internal sealed class SessionEvents
{
    private readonly Channel<object> _channel = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });

    public ValueTask WriteAsync(object message, CancellationToken cancellationToken) => _channel.Writer.WriteAsync(message, cancellationToken);

    public IAsyncEnumerable<object> ReadAllAsync(CancellationToken cancellationToken) => _channel.Reader.ReadAllAsync(cancellationToken);
}
