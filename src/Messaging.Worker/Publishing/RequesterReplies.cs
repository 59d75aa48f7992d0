using MassTransit;
using Messaging.Client;

namespace Messaging.Worker.Publishing;

/// <summary>
/// Publishes one event of a request outside its stream (a rejection, a deferral, an unexpected failure): to its exchange
/// and to the request's reply address, through a lane of the stream publisher, as the stream's own events go (so
/// <c>Worker:EventsToReplyAddressOnly</c> applies alike).
/// </summary>
internal sealed class RequesterReplies(IStreamEventPublisher publisher)
{
    /// <summary>Publishes <paramref name="message"/> for a request whose reply address is <paramref name="replyTo"/> (none, or not valid: the exchange only).</summary>
    public async Task PublishAsync<T>(ConsumeContext context, T message, string? replyTo) where T : class
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!ReplyAddress.TryParse(replyTo, out var reply, out _))
        {
            await context.Publish(message, context.CancellationToken);
            return;
        }
        var lane = publisher.OpenLane(reply);
        await lane.PublishAsync(message, NewId.NextGuid(), persistent: true, context.CancellationToken);
        await lane.ConfirmAsync(context.CancellationToken);
    }
}
