namespace Messaging.Emulator.Requests;

/// <summary>
/// A requested sandbox: <c>"remote"</c> (a new one), an environment id string, or an object that may
/// name an existing <c>environment_id</c> to reuse.
/// </summary>
internal sealed record EnvironmentRequest(string? ReuseId);
