using System.Text.Json.Nodes;

namespace Messaging.Cli.Bus;

/// <summary>
/// The functions of the CLI's function-calling demo, declared to the model as tools and answered by
/// the CLI itself: the executor side of the loop, in-process. Deterministic, so runs repeat.
/// </summary>
internal sealed class LocalFunctions
{
    public static LocalFunctions Demo { get; } = new();

    private readonly Dictionary<string, Func<string, string>> _handlers;
    private readonly JsonArray _declarations;

    private LocalFunctions()
    {
        _handlers = new()
        {
            ["get_current_temperature"] = location => new JsonObject
            {
                ["location"] = location,
                ["temperature"] = (Seed(location) % 35).ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["unit"] = "celsius",
            }.ToJsonString(),
            ["get_local_time"] = location => new JsonObject { ["location"] = location, ["time"] = $"{Seed(location) % 24:00}:{Seed(location) % 60:00}" }.ToJsonString(),
        };
        _declarations =
        [
        new JsonObject
        {
            ["type"] = "function",
            ["name"] = "get_current_temperature",
            ["description"] = "Gets the current temperature for a given location.",
            ["parameters"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject { ["location"] = new JsonObject { ["type"] = "string", ["description"] = "The city name, e.g. San Francisco" } },
                ["required"] = new JsonArray("location"),
            },
        },
        new JsonObject
        {
            ["type"] = "function",
            ["name"] = "get_local_time",
            ["description"] = "Gets the local time in a given location.",
            ["parameters"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject { ["location"] = new JsonObject { ["type"] = "string" } },
                ["required"] = new JsonArray("location"),
            },
        },
        ];
    }

    /// <summary>The tool declarations, as the API takes them.</summary>
    public JsonArray Declarations() => (JsonArray)_declarations.DeepClone();

    /// <summary>Runs one call; the result is the JSON text the model receives.</summary>
    public string Invoke(string name, JsonObject arguments)
    {
        var location = (arguments["location"] as JsonValue)?.ToString() ?? "somewhere";
        return _handlers.TryGetValue(name, out var handler)
            ? handler(location)
            : new JsonObject { ["error"] = $"unknown function {name}" }.ToJsonString();
    }

    private static uint Seed(string s)
    {
        var h = 17u;
        foreach (var c in s) h = unchecked((h * 31) + c);
        return h;
    }
}
