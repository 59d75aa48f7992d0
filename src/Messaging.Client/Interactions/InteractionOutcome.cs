using Messaging.Contracts;

namespace Messaging.Client.Interactions;

/// <summary>How a turn ended: its final event, and the text its deltas carried.</summary>
/// <param name="Final">The final event: <see cref="InteractionCompleted"/>, <see cref="InteractionFailed"/>, <see cref="InteractionCancelled"/> or <see cref="InteractionRejected"/>.</param>
/// <param name="Text">The concatenated text of the turn's last request's deltas.</param>
public sealed record InteractionOutcome(object Final, string Text)
{
    /// <summary>The completion, when the turn completed (its status may still be <c>incomplete</c> or <c>budget_exceeded</c>).</summary>
    public InteractionCompleted? Completed => Final as InteractionCompleted;

    /// <summary>The answer's text: <see cref="InteractionCompleted.OutputText"/> when it completed.</summary>
    public string? OutputText => Completed?.OutputText;
}
