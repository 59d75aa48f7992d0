using System.Text.Json;
using Messaging.Contracts;

namespace Messaging.Cli.Bus;

/// <summary>How a turn ended: exactly one of the final events, the interactions it took, and the last request body sent (its input is the stateless history).</summary>
internal sealed record TurnOutcome(object FinalEvent, IReadOnlyList<string> InteractionIds, JsonElement LastRequest)
{
    public InteractionCompleted? Completed => FinalEvent as InteractionCompleted;
    public bool Succeeded => FinalEvent is InteractionCompleted;
}
