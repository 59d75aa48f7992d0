using System.Text.Json;
using System.Text.Json.Nodes;

namespace Messaging.Contracts.Tests;

/// <summary>
/// contracts/examples/json holds one example per message, for integrators in any language. Each must
/// read into its record and write back the same members and values: examples and contracts agree.
/// </summary>
public class ExampleMessageTests
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    private static readonly string ExamplesDirectory = FindExamples();

    public static TheoryData<string> ContractTypes() =>
        new(typeof(InteractionRequested).Assembly.GetExportedTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && t.Namespace == "Messaging.Contracts"
                        && t.GetProperty("EqualityContract", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance) is not null
                        && t != typeof(ValidationProblem) && t != typeof(FunctionCall) && t != typeof(BudgetFigures))
            .Select(t => t.Name).Order());

    [Theory]
    [MemberData(nameof(ContractTypes))]
    public void Every_message_has_an_example_that_round_trips_through_its_record(string typeName)
    {
        var path = Path.Combine(ExamplesDirectory, typeName + ".json");
        Assert.True(File.Exists(path), $"contracts/examples/json/{typeName}.json is missing");
        var text = File.ReadAllText(path);
        var type = typeof(InteractionRequested).Assembly.GetType("Messaging.Contracts." + typeName)!;

        var message = JsonSerializer.Deserialize(text, type, Options)!;
        var written = JsonNode.Parse(JsonSerializer.Serialize(message, type, Options));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(text), written), $"{typeName}: the example says {text}, the record writes {written}");
    }

    private static string FindExamples()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "contracts", "examples", "json");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException("contracts/examples/json not found");
    }
}
