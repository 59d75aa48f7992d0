using System.Text.Json.Nodes;

namespace Messaging.Emulator.Model;

/// <summary>
/// Everything one interaction will produce, decided up front: the steps (thought first), the final
/// status, and what goes with it. The run then only paces it out as events.
/// </summary>
internal sealed class TurnPlan
{
    public required IReadOnlyList<JsonObject> Steps { get; init; }

    public required string Status { get; init; }

    public required int InputTokens { get; init; }

    public string? ContinuationToken { get; init; }

    /// <summary>Set for status <c>failed</c>: the interaction's <c>errors</c>.</summary>
    public InteractionError? Error { get; init; }
}

/// <summary>An interaction-level failure, reported in <c>errors</c> and as an SSE <c>error</c> event.</summary>
internal sealed record InteractionError(string Code, string Message);
