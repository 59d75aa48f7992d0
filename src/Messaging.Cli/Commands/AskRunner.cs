using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit;
using Messaging.Cli.Bus;
using Messaging.Cli.Rendering;
using Messaging.Cli.Requests;
using Messaging.Interactions.Models;
using Spectre.Console;

namespace Messaging.Cli.Commands;

/// <summary>Runs <c>ask</c>: builds the request, starts the bus (embedded or RabbitMQ), runs the turn, keeps stateless history.</summary>
internal static class AskRunner
{
    public static async Task<int> RunAsync(AskOptions options, FileInfo? historyFile, bool functions, DirectoryInfo output,
        string? broker, CancellationToken cancellationToken)
    {
        var console = CliConsole.Notes;
        CreateInteractionRequest request;
        IReadOnlyList<JsonObject>? history = null;
        try
        {
            if (historyFile is not null && !options.NoStore)
                throw new ArgumentException("--history only applies to stateless conversations: add --no-store.");
            if (options.NoStore) history = historyFile is { Exists: true } ? LoadHistory(historyFile) : [];
            request = AskRequestBuilder.Build(options, history);
            if (functions)
                foreach (var tool in LocalFunctions.Demo.Declarations()) request.AddTool((JsonObject)tool!);
        }
        catch (ArgumentException ex)
        {
            console.MarkupLineInterpolated($"[red]{ex.Message}[/]");
            return 2;
        }

        await using var stack = await BusStack.StartAsync(broker, console, cancellationToken);
        var session = stack.CreateSession(new AnswerRenderer(console, CliConsole.Answer, output));
        var outcome = await session.AskAsync(request, NewId.NextGuid(), functions ? LocalFunctions.Demo : null, cancellationToken);

        if (outcome.Completed is { } completed)
        {
            if (history is not null && historyFile is not null) SaveHistory(historyFile, outcome.LastRequest, completed);
            if (!options.NoStore && outcome.InteractionIds.Count > 0)
                console.MarkupLineInterpolated($"[grey]continue with --previous {outcome.InteractionIds[^1]}[/]");
        }
        return outcome.Succeeded ? 0 : 1;
    }

    private static List<JsonObject> LoadHistory(FileInfo file)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(file.FullName)) is JsonArray steps
                ? steps.OfType<JsonObject>().ToList()
                : throw new ArgumentException($"{file.Name} must hold a JSON array of steps.");
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"{file.Name} is not valid JSON: {ex.Message}");
        }
    }

    /// <summary>The next stateless turn needs everything so far: the input steps sent, then the model's steps as received.</summary>
    private static void SaveHistory(FileInfo file, JsonElement request, Messaging.Contracts.InteractionCompleted completed)
    {
        var all = request.ValueKind == JsonValueKind.Object && request.TryGetProperty("input", out var input) && JsonNode.Parse(input.GetRawText()) is JsonArray steps
            ? steps
            : [];
        foreach (var step in completed.Steps.EnumerateArray()) all.Add(JsonNode.Parse(step.GetRawText()));
        File.WriteAllText(file.FullName, all.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }
}
