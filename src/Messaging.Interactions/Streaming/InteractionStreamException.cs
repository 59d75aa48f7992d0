namespace Messaging.Interactions.Streaming;

/// <summary>The event stream broke: malformed data, or the connection ended before the interaction did.</summary>
public sealed class InteractionStreamException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InteractionStreamException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public InteractionStreamException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception.</summary>
    public InteractionStreamException() { }
}
