using Messaging.Contracts;

namespace Messaging.Worker.Intake;

/// <summary>
/// A request message read with an empty requestId: nothing answered it yet. The work queue's error pipe reads the raw
/// body once more (an envelope sent as plain JSON, for one, hides its id from the plain-JSON reader) and answers what it
/// can; with no id anywhere, the message stays in the error queue alone.
/// </summary>
internal sealed class RequestIdMissingException : Exception
{
    public RequestIdMissingException() : base("requestId: is required: a UUID that identifies this request") { }

    public RequestIdMissingException(string message) : base(message) { }

    public RequestIdMissingException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>The problem as a rejection states it.</summary>
    public static ValidationProblem Problem { get; } = new("requestId", "is required: a UUID that identifies this request");
}
