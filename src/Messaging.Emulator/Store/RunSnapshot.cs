using System.Text.Json.Nodes;
using Messaging.Emulator.Model;

namespace Messaging.Emulator.Store;

/// <summary>A consistent view of a run at one moment: its status and the steps finished so far.</summary>
internal sealed record RunSnapshot(
    string Status,
    IReadOnlyList<JsonObject> Steps,
    DateTimeOffset Updated,
    bool Finished,
    JsonObject? Usage,
    string? ContinuationToken,
    InteractionError? Error);
