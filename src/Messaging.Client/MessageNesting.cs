namespace Messaging.Client;

/// <summary>
/// How deep the JSON of a message may nest: one limit for every place a request is read (the bus's serializer, the
/// worker's checks, the emulator's parser). A request (<c>InteractionRequested.request</c>, the API body) may nest
/// <see cref="MaxRequestDepth"/> levels, the request object itself being the first; a 70-level
/// <c>response_format</c> schema fits. A deeper one is rejected in words, never dropped.
/// </summary>
public static class MessageNesting
{
    /// <summary>Levels a request may nest (the request object is level 1).</summary>
    public const int MaxRequestDepth = 128;

    /// <summary>The limit in words, as a rejection states it.</summary>
    public static string InWords { get; } = $"a request may nest {MaxRequestDepth} levels, the request object being the first";

    /// <summary>
    /// The bus serializer's depth: a request at the limit inside its message (level 2) inside MassTransit's envelope
    /// (level 1). A bare message gets one spare level, which the worker's own check closes.
    /// </summary>
    public const int MaxMessageDepth = MaxRequestDepth + 2;
}
