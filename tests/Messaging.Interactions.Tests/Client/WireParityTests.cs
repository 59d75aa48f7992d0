using System.Diagnostics;
using System.Text.Json.Nodes;
using Messaging.Interactions.Models;
using Messaging.Interactions.Tests.Support;

namespace Messaging.Interactions.Tests.Client;

/// <summary>
/// The C# client and the official JS SDK (@google/genai 3.1.0, driven by tests/conformance/wire-capture.mjs)
/// perform the same operations (tests/conformance/wire-operations.json) against a capturing server;
/// their requests must match in method, path, query, key, content type, accept and JSON body.
/// </summary>
public class WireParityTests
{
    [Fact]
    public async Task The_client_sends_what_the_official_sdk_sends()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await CapturingServer.StartAsync();
        var spec = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Conformance, "wire-operations.json"), ct))!;
        var operations = spec["operations"]!.AsArray();

        await RunSdkAsync(server.BaseAddress, ct);
        var sdk = server.Requests;
        server.Clear();

        using var provider = ClientFactory.Create(server.BaseAddress, o =>
        {
            o.ApiKey = spec["client"]!["apiKey"]!.GetValue<string>();
            o.ApiVersion = spec["client"]!["apiVersion"]!.GetValue<string>();
        });
        var client = provider.Client();
        foreach (var op in operations) await PerformAsync(client, op!, ct);
        var ours = server.Requests;

        Assert.Equal(operations.Count, sdk.Count);
        Assert.Equal(sdk.Count, ours.Count);
        for (var i = 0; i < sdk.Count; i++)
        {
            var name = operations[i]!["name"]!.GetValue<string>();
            var (expected, actual) = (sdk[i], ours[i]);
            Assert.True(expected.Method == actual.Method, $"{name}: method {actual.Method}, SDK {expected.Method}");
            Assert.True(expected.Path == actual.Path, $"{name}: path {actual.Path}, SDK {expected.Path}");
            Assert.True(expected.Query == actual.Query, $"{name}: query {actual.Query}, SDK {expected.Query}");
            foreach (var header in new[] { "x-goog-api-key", "content-type", "accept" })
                Assert.True(expected.Header(header) == actual.Header(header), $"{name}: {header} '{actual.Header(header)}', SDK '{expected.Header(header)}'");
            Assert.True(JsonEqual(expected.Body, actual.Body), $"{name}: body {actual.Body}, SDK {expected.Body}");
        }
    }

    [Fact]
    public async Task Bodies_the_official_sdk_sends_round_trip_byte_for_byte()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await CapturingServer.StartAsync();

        await RunSdkAsync(server.BaseAddress, ct);

        var bodies = server.Requests.Where(r => r.Body.Length > 0).Select(r => r.Body).ToList();
        Assert.NotEmpty(bodies);
        foreach (var body in bodies) Assert.Equal(JsonText.Minify(body), CreateInteractionRequest.Parse(body).ToJson());
    }

    private static bool JsonEqual(string a, string b) =>
        a.Length == 0 || b.Length == 0 ? a.Length == b.Length : JsonNode.DeepEquals(JsonNode.Parse(a), JsonNode.Parse(b));

    private static async Task PerformAsync(IInteractionsClient client, JsonNode op, CancellationToken ct)
    {
        var id = op["id"]?.GetValue<string>();
        var parameters = op["params"] as JsonObject;
        switch (op["kind"]!.GetValue<string>())
        {
            case "create":
                await client.CreateAsync(new CreateInteractionRequest((JsonObject)parameters!.DeepClone()), ct);
                break;
            case "createStream":
                await foreach (var _ in client.CreateStreamAsync(new CreateInteractionRequest((JsonObject)parameters!.DeepClone()), ct)) { }
                break;
            case "get":
                await client.GetAsync(id!, parameters?["include_input"]?.GetValue<bool>() ?? false, ct);
                break;
            case "getStream":
                await foreach (var _ in client.GetStreamAsync(id!, parameters?["last_event_id"]?.GetValue<string>(),
                                   parameters?["include_input"]?.GetValue<bool>() ?? false, ct)) { }
                break;
            case "cancel":
                await client.CancelAsync(id!, ct);
                break;
            case "delete":
                await client.DeleteAsync(id!, ct);
                break;
            default:
                throw new InvalidOperationException($"Unknown operation kind in wire-operations.json: {op["kind"]}");
        }
    }

    private static async Task RunSdkAsync(Uri baseUrl, CancellationToken ct)
    {
        var conformance = RepositoryPaths.Conformance;
        Assert.True(Directory.Exists(Path.Combine(conformance, "node_modules", "@google", "genai")),
            "The official SDK is not installed: run `npm ci` in tests/conformance (infra/test.sh does).");
        var start = new ProcessStartInfo("node", ["wire-capture.mjs", baseUrl.ToString().TrimEnd('/'), Path.GetTempFileName()])
        {
            WorkingDirectory = conformance,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        Assert.True(process.ExitCode == 0, $"wire-capture.mjs failed ({process.ExitCode}): {await stderr}");
    }
}
