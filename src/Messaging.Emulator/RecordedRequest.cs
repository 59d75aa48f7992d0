namespace Messaging.Emulator;

/// <summary>
/// One HTTP request as the emulator received it, so tests can assert on what a client sent
/// (for example a stateless history resent byte for byte).
/// </summary>
/// <param name="Method">The HTTP method, e.g. <c>POST</c>.</param>
/// <param name="Path">The request path, e.g. <c>/v1/interactions</c>.</param>
/// <param name="QueryString">The raw query string including the leading <c>?</c>, or empty.</param>
/// <param name="Headers">Request headers; names are case-insensitive, repeated values joined with <c>", "</c>.</param>
/// <param name="Body">The raw request body decoded as UTF-8 (empty when there was none).</param>
/// <param name="ReceivedAt">When the emulator received the request.</param>
public sealed record RecordedRequest(
    string Method,
    string Path,
    string QueryString,
    IReadOnlyDictionary<string, string> Headers,
    string Body,
    DateTimeOffset ReceivedAt);
