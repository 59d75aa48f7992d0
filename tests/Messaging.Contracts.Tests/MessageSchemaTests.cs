using System.Text.Json;
using NJsonSchema;
using NJsonSchema.Generation;

namespace Messaging.Contracts.Tests;

/// <summary>
/// contracts/schema holds a JSON Schema of every message, generated from the records, for integrators in other
/// languages. The files must match the records (regenerate them with <c>UPDATE_SCHEMAS=1</c> when a contract changes)
/// and every example must validate against its schema.
/// </summary>
public class MessageSchemaTests
{
    private static readonly string ContractsDirectory = FindContracts();

    public static TheoryData<string> ContractTypes() => ExampleMessageTests.ContractTypes();

    [Theory]
    [MemberData(nameof(ContractTypes))]
    public void Every_message_has_a_schema_generated_from_its_record(string typeName)
    {
        var generated = Generate(typeName).ToJson();
        var path = Path.Combine(ContractsDirectory, "schema", typeName + ".schema.json");
        if (Environment.GetEnvironmentVariable("UPDATE_SCHEMAS") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, generated + "\n");
        }
        Assert.True(File.Exists(path), $"contracts/schema/{typeName}.schema.json is missing: run the contract tests with UPDATE_SCHEMAS=1");
        Assert.Equal(generated.ReplaceLineEndings().Trim(), File.ReadAllText(path).ReplaceLineEndings().Trim());
    }

    [Theory]
    [MemberData(nameof(ContractTypes))]
    public async Task Every_example_validates_against_its_schema(string typeName)
    {
        var schema = await JsonSchema.FromJsonAsync(await File.ReadAllTextAsync(Path.Combine(ContractsDirectory, "schema", typeName + ".schema.json"), TestContext.Current.CancellationToken),
            TestContext.Current.CancellationToken);
        var example = await File.ReadAllTextAsync(Path.Combine(ContractsDirectory, "examples", "json", typeName + ".json"), TestContext.Current.CancellationToken);

        var errors = schema.Validate(example);

        Assert.True(errors.Count == 0, string.Join("; ", errors.Select(e => $"{e.Path}: {e.Kind}")));
    }

    private static JsonSchema Generate(string typeName)
    {
        var type = typeof(InteractionRequested).Assembly.GetType("Messaging.Contracts." + typeName)!;
        var settings = new SystemTextJsonSchemaGeneratorSettings
        {
            SerializerOptions = new JsonSerializerOptions(JsonSerializerDefaults.Web),
            SchemaType = SchemaType.JsonSchema,
            GenerateAbstractProperties = true,
            FlattenInheritanceHierarchy = true,
            // Contracts evolve additively: a consumer validating with an older schema must accept newer messages.
            AlwaysAllowAdditionalObjectProperties = true,
        };
        return JsonSchema.FromType(type, settings);
    }

    private static string FindContracts()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "contracts");
            if (Directory.Exists(Path.Combine(candidate, "examples"))) return candidate;
        }
        throw new InvalidOperationException("contracts/ not found");
    }
}
