namespace Messaging.Worker.Intake;

/// <summary>
/// A request that was read, then failed in a way its handler did not turn into a final event: the consumer answered it
/// with <c>InteractionFailed</c> (reason <c>internal_error</c>) and fails the message with this, so it is kept in the
/// error queue and the error pipe knows it is answered.
/// </summary>
internal sealed class RequestFailedException : Exception
{
    public RequestFailedException() { }

    public RequestFailedException(string message) : base(message) { }

    public RequestFailedException(string message, Exception innerException) : base(message, innerException) { }
}
