using System.Text.Json.Nodes;

namespace Messaging.Emulator.Requests;

/// <summary>The tools a create declares, split into what the scripted model acts on.</summary>
internal sealed record ToolSet(IReadOnlyList<FunctionTool> Functions, bool GoogleSearch, bool CodeExecution)
{
    public static readonly ToolSet None = new([], false, false);
}

/// <summary>A declared function: <c>{type:"function", name, description, parameters}</c>.</summary>
internal sealed record FunctionTool(string Name, string? Description, JsonObject? Parameters);
