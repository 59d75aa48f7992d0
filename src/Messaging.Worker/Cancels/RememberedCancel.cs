using System.Security.Cryptography;
using System.Text;
using Messaging.Contracts;

namespace Messaging.Worker.Cancels;

/// <summary>A <see cref="CancelInteraction"/> as it is remembered: its ids and when it was recorded (on the store's clock).</summary>
/// <param name="CancelId">The cancel message's id (the same cancel seen on several queues is remembered once).</param>
/// <param name="Cancel">What it names.</param>
/// <param name="ReceivedAt">When it was recorded.</param>
internal sealed record RememberedCancel(Guid CancelId, CancelInteraction Cancel, DateTimeOffset ReceivedAt)
{
    /// <summary>
    /// The id of a cancel: its messageId, or for a message without one (plain JSON from another language) one derived
    /// from the ids it names, so the same cancel read from two queues is still one.
    /// </summary>
    public static Guid IdOf(CancelInteraction cancel, Guid? messageId)
    {
        ArgumentNullException.ThrowIfNull(cancel);
        if (messageId is { } id && id != Guid.Empty) return id;
        var text = $"{cancel.RequestId}|{cancel.TurnId}|{cancel.ConversationId}|{cancel.InteractionId}";
        return new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 16));
    }
}
