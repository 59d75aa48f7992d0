namespace Messaging.Worker.Conversations;

/// <summary>
/// Thrown for an event that overtook its request (another replica, or a retry after a concurrency conflict, still
/// holds the request): the saga endpoint retries it shortly, by which time the request has usually been seen.
/// </summary>
internal sealed class EarlyEventException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EarlyEventException() { }

    /// <summary>Creates the exception with a message.</summary>
    public EarlyEventException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public EarlyEventException(string message, Exception innerException) : base(message, innerException) { }
}
