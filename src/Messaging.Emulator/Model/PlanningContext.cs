using System.Text.Json.Nodes;
using Messaging.Emulator.Control;
using Messaging.Emulator.Requests;

namespace Messaging.Emulator.Model;

/// <summary>What the scripted model decides from: the request, the chained history and the controls.</summary>
/// <param name="InteractionId">The id of the interaction being planned (continuation tokens name it).</param>
/// <param name="Request">The validated create body.</param>
/// <param name="History">Steps of the chained conversation before this request.</param>
/// <param name="Controls">Pacing, fault and behaviour controls.</param>
/// <param name="HopsDone">Continuation hops already done (0 for a fresh create).</param>
/// <param name="EnvironmentId">The agent sandbox, when an environment was requested.</param>
internal sealed record PlanningContext(
    string InteractionId,
    CreateRequest Request,
    IReadOnlyList<JsonObject> History,
    EmulatorControls Controls,
    int HopsDone,
    string? EnvironmentId);
