using MassTransit;
using Messaging.Contracts;

namespace Messaging.Worker.Streaming;

/// <summary>
/// Puts a request back on the work queue as a new message, sent to that queue alone (not published: the saga and other
/// observers of <see cref="InteractionRequested"/> saw it once already). A new message starts the broker's clocks afresh:
/// its <c>consumer_timeout</c> and its delivery count.
/// </summary>
internal sealed class WorkQueue(ISendEndpointProvider endpoints, IEndpointNameFormatter names)
{
    /// <summary>Sends a new copy of the request to the work queue.</summary>
    public async Task SendAgainAsync(StreamInteraction command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        // The work queue's own exchange (bound to that queue only): "queue:" would redeclare the queue, and its arguments
        // (quorum, delivery limit) with it.
        var queue = await endpoints.GetSendEndpoint(new Uri($"exchange:{names.Consumer<InteractionRequestedConsumer>()}"));
        await queue.Send(new InteractionRequested
        {
            RequestId = command.RequestId, ConversationId = command.ConversationId, TurnId = command.TurnId, Request = command.Request,
        }, cancellationToken);
    }
}
