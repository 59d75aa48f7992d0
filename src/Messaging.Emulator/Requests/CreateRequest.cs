using System.Text.Json.Nodes;

namespace Messaging.Emulator.Requests;

/// <summary>A validated create body. The raw <see cref="Body"/> is kept to echo the configuration back.</summary>
internal sealed class CreateRequest
{
    public required JsonObject Body { get; init; }

    public string? Model { get; init; }

    public string? Agent { get; init; }

    /// <summary>The input as sent (echoed by GET with <c>include_input=true</c>); null for a continuation.</summary>
    public JsonNode? Input { get; init; }

    /// <summary>The input as timeline steps: a string or content becomes one <c>user_input</c> step.</summary>
    public required IReadOnlyList<JsonObject> InputSteps { get; init; }

    public string? SystemInstruction { get; init; }

    public required ToolSet Tools { get; init; }

    public JsonObject? GenerationConfig { get; init; }

    public required OutputFormat Output { get; init; }

    public bool Stream { get; init; }

    public bool Background { get; init; }

    public bool Store { get; init; } = true;

    public string? PreviousInteractionId { get; init; }

    public EnvironmentRequest? Environment { get; init; }

    public string? ContinuationToken { get; init; }

    public bool IsAgent => Agent is not null;

    public string ModelOrAgent => Model ?? Agent ?? string.Empty;
}
