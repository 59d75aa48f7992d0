using System.Threading.Channels;
using Messaging.Contracts;

namespace Messaging.Client.Interactions;

/// <summary>
/// One turn's events as they reach the reply queue, put in order per request (<see cref="RequestStreamAssembler"/>:
/// once each, gapless, steps around their deltas) and queued for the reader until the turn's final event.
/// </summary>
internal sealed class TurnStream(Guid turnId)
{
    private readonly Dictionary<Guid, RequestStreamAssembler> _requests = [];
    private readonly Channel<object> _ready = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _gate = new();

    public Guid TurnId => turnId;

    public ChannelReader<object> Ready => _ready.Reader;

    /// <summary>Takes one event of the turn (of any of its requests).</summary>
    public void Add(Guid requestId, object message)
    {
        lock (_gate)
        {
            if (!_requests.TryGetValue(requestId, out var assembler)) _requests[requestId] = assembler = new RequestStreamAssembler(requestId);
            foreach (var ready in assembler.Add(message))
            {
                _ready.Writer.TryWrite(ready);
                if (EndsTurn(ready)) _ready.Writer.TryComplete();
            }
        }
    }

    /// <summary>True for the event after which the turn has nothing more: a function round is not its end (the saga continues it).</summary>
    private bool EndsTurn(object message) => message switch
    {
        InteractionCompleted m => m.TurnId == turnId,
        InteractionFailed m => m.TurnId == turnId,
        InteractionCancelled m => m.TurnId == turnId,
        InteractionRejected m => m.TurnId == turnId && !m.Errors.Any(e => e.Field == "requestId"),
        _ => false,
    };
}
