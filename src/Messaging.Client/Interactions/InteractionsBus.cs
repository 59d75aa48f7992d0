using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using MassTransit;
using Messaging.Contracts;
using Microsoft.Extensions.Options;

namespace Messaging.Client.Interactions;

/// <summary>
/// <see cref="IInteractionsBus"/> on the caller's bus: each request goes out with this instance's reply queue as its
/// <c>replyTo</c>, and its turn's events are read back from there (<see cref="TurnStreams"/>).
/// </summary>
internal sealed class InteractionsBus(IBus bus, TurnStreams turns, IOptions<InteractionsBusOptions> options) : IInteractionsBus
{
    public IAsyncEnumerable<object> StreamAsync(InteractionRequested request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var requestId = request.RequestId == Guid.Empty ? NewId.NextGuid() : request.RequestId;
        var message = request with { RequestId = requestId, ReplyTo = options.Value.ReplyQueue };
        var turnId = message.TurnId ?? requestId;
        return RunAsync(turnId, token => bus.Publish(message, token),
            new CancelInteraction { ConversationId = message.ConversationId ?? requestId, TurnId = turnId }, cancellationToken);
    }

    public IAsyncEnumerable<object> StreamAsync(ConversationTurnRequested turn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(turn);
        var message = turn with { RequestId = turn.RequestId == Guid.Empty ? NewId.NextGuid() : turn.RequestId, ReplyTo = options.Value.ReplyQueue };
        return RunAsync(message.RequestId, token => bus.Publish(message, token),
            new CancelInteraction { ConversationId = message.ConversationId, TurnId = message.RequestId }, cancellationToken);
    }

    public async Task<InteractionOutcome> SendAsync(InteractionRequested request, CancellationToken cancellationToken = default)
    {
        object? final = null;
        var text = new StringBuilder();
        await foreach (var message in StreamAsync(request, cancellationToken).ConfigureAwait(false))
        {
            if (message is InteractionStarted) text.Clear(); // the text of the turn's last request: its answer
            else if (message is StepDelta delta) text.Append(delta.Text);
            final = message;
        }
        return new InteractionOutcome(final!, text.ToString());
    }

    public Conversation StartConversation(JsonElement request, Guid? conversationId = null) =>
        new(this, conversationId ?? NewId.NextGuid(), request);

    public Conversation Conversation(Guid conversationId) => new(this, conversationId, default);

    // The turn is waited for before it is published: no event can come before its reader.
    private async IAsyncEnumerable<object> RunAsync(Guid turnId, Func<CancellationToken, Task> publish, CancelInteraction cancel,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stream = turns.Open(turnId);
        try
        {
            await publish(cancellationToken).ConfigureAwait(false);
            while (await WaitAsync(stream, cancel, cancellationToken).ConfigureAwait(false))
            {
                while (stream.Ready.TryRead(out var message)) yield return message;
            }
        }
        finally
        {
            turns.Close(turnId);
        }
    }

    // False once the turn has ended; a cancel from the caller is sent to the workers, then the caller hears it.
    private async Task<bool> WaitAsync(TurnStream stream, CancelInteraction cancel, CancellationToken cancellationToken)
    {
        try
        {
            return await stream.Ready.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await bus.Publish(cancel, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }
}
