using System.Text.Json.Nodes;

namespace Messaging.Emulator.Streaming;

/// <summary>How one step is streamed: the <c>step.start</c> payload and the deltas that complete it.</summary>
internal sealed record StepScript(JsonObject Start, IReadOnlyList<StepDelta> Deltas);

/// <summary>One <c>step.delta</c>: a text piece (the hot path, written without a node) or a delta object.</summary>
internal readonly record struct StepDelta(string? Text, JsonObject? Delta);
