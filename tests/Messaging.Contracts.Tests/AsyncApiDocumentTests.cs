namespace Messaging.Contracts.Tests;

/// <summary>contracts/asyncapi.yaml is what <see cref="AsyncApiDocument"/> builds from the contracts (never synchronised by hand).</summary>
public class AsyncApiDocumentTests
{
    [Fact]
    public void The_asyncapi_document_is_generated_from_the_contracts()
    {
        var contracts = Path.GetDirectoryName(Path.GetDirectoryName(SchemaPath()))!;
        var types = ExampleMessageTests.ContractTypes().Select(row => (string)row.Data).ToList();
        var generated = AsyncApiDocument.Build(contracts, types);
        var path = Path.Combine(contracts, "asyncapi.yaml");
        if (Environment.GetEnvironmentVariable("UPDATE_SCHEMAS") == "1") File.WriteAllText(path, generated);
        Assert.True(File.Exists(path), "contracts/asyncapi.yaml is missing: run the contract tests with UPDATE_SCHEMAS=1");
        Assert.Equal(generated.ReplaceLineEndings(), File.ReadAllText(path).ReplaceLineEndings());
    }

    private static string SchemaPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "contracts", "schema", "InteractionRequested.schema.json");
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException("contracts/schema was not found");
    }
}
