using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Messaging.Emulator.Api;
using Messaging.Emulator.Json;

namespace Messaging.Emulator.Requests;

/// <summary>Reads and checks <c>tools</c> (reference §3.2).</summary>
internal static partial class ToolsParser
{
    private static readonly string[] KnownTypes =
    [
        "function", "google_search", "code_execution", "url_context", "google_maps", "file_search", "mcp_server", "computer_use", "retrieval",
    ];

    public static ToolSet Parse(JsonNode? tools)
    {
        if (tools is null)
        {
            return ToolSet.None;
        }

        if (tools is not JsonArray list)
        {
            throw ApiException.InvalidArgument("'tools' must be a list of tool objects.");
        }

        var functions = new List<FunctionTool>();
        var googleSearch = false;
        var codeExecution = false;
        for (var i = 0; i < list.Count; i++)
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"tools[{i}]");
            if (list[i] is not JsonObject tool)
            {
                throw ApiException.InvalidArgument($"'{path}' must be a tool object with a 'type'.");
            }

            var type = ContentValidator.RequireType(tool, path);
            switch (type)
            {
                case "function":
                    var function = ParseFunction(tool, path);
                    if (functions.Exists(f => f.Name == function.Name))
                    {
                        throw ApiException.InvalidArgument($"'{path}.name': duplicate function name '{function.Name}'.");
                    }

                    functions.Add(function);
                    break;
                case "google_search":
                    googleSearch = true;
                    break;
                case "code_execution":
                    codeExecution = true;
                    break;
                default:
                    if (Array.IndexOf(KnownTypes, type) < 0)
                    {
                        throw ApiException.InvalidArgument(
                            $"'{path}.type': unknown tool type '{type}'; expected one of {string.Join(", ", KnownTypes)}.");
                    }

                    break;
            }
        }

        return new ToolSet(functions, googleSearch, codeExecution);
    }

    private static FunctionTool ParseFunction(JsonObject tool, string path)
    {
        var name = EmulatorJson.StringOrNull(tool["name"]);
        if (name is null || !FunctionName().IsMatch(name))
        {
            throw ApiException.InvalidArgument(
                $"'{path}.name' is required: 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or '_'.");
        }

        var description = tool["description"];
        if (description is not null && EmulatorJson.Kind(description) != JsonValueKind.String)
        {
            throw ApiException.InvalidArgument($"'{path}.description' must be a string.");
        }

        var parameters = tool["parameters"];
        if (parameters is not null && parameters is not JsonObject)
        {
            throw ApiException.InvalidArgument($"'{path}.parameters' must be a JSON schema object.");
        }

        if (parameters is JsonObject schema)
        {
            SchemaRules.Check(schema, $"{path}.parameters");
        }

        return new FunctionTool(name, EmulatorJson.StringOrNull(description), parameters as JsonObject);
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_.\\-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex FunctionName();
}
