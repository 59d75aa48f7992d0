using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Interactions.Models;
using Messaging.Interactions.Models.Contents;

namespace Messaging.Cli.Requests;

/// <summary>Turns command-line options into the API create body that rides in <c>InteractionRequested.request</c>.</summary>
internal static class AskRequestBuilder
{
    /// <summary>Builds the body; throws <see cref="ArgumentException"/> with a message for people when an option is unusable.</summary>
    public static CreateInteractionRequest Build(AskOptions options, IReadOnlyList<JsonObject>? history = null)
    {
        var request = new CreateInteractionRequest();
        if (options.Agent is not null) request.Agent = options.Agent;
        else request.Model = options.Model;

        var content = new List<Content> { Content.FromText(options.Prompt) };
        foreach (var file in options.Attachments) content.Add(Attachment(file));

        if (history is not null)
        {
            // Stateless: the whole conversation so far, then this turn as a user_input step.
            var steps = new JsonArray();
            foreach (var step in history) steps.Add(step.DeepClone());
            var turn = new JsonArray();
            foreach (var c in content) turn.Add(c.Json.DeepClone());
            steps.Add(new JsonObject { ["type"] = "user_input", ["content"] = turn });
            request.Input = steps;
        }
        else if (content.Count == 1)
        {
            request.Input = JsonValue.Create(options.Prompt);
        }
        else
        {
            request.WithInput([.. content]);
        }

        if (options.SystemInstruction is not null) request.SystemInstruction = options.SystemInstruction;
        foreach (var tool in options.Tools) request.AddTool(Tool(tool));
        if (options.Schema is not null) request.ResponseFormat = ResponseFormat(options.Schema);
        if (options.Environment is not null) request.Environment = JsonValue.Create(options.Environment);
        if (options.Previous is not null) request.PreviousInteractionId = options.Previous;
        if (options.NoStore) request.Store = false;
        if (options.Background) request.Background = true;
        if (options.Labels.Count > 0)
        {
            var labels = new JsonObject();
            foreach (var (k, v) in options.Labels) labels[k] = v;
            request.Labels = labels;
        }
        return request;
    }

    private static MediaContent Attachment(FileInfo file)
    {
        if (!file.Exists) throw new ArgumentException($"Attachment not found: {file.FullName}");
        if (!MediaTypes.TryGet(file.Name, out var type, out var mime))
            throw new ArgumentException($"Unsupported attachment type '{file.Extension}' ({file.Name}); supported: {MediaTypes.Supported}");
        return Content.Inline(type, File.ReadAllBytes(file.FullName), mime);
    }

    private static JsonObject Tool(string name) => name switch
    {
        "google_search" or "code_execution" or "url_context" or "google_maps" => new JsonObject { ["type"] = name },
        _ => throw new ArgumentException($"Unknown tool '{name}'; built-in tools: google_search, code_execution, url_context, google_maps."),
    };

    private static JsonObject ResponseFormat(FileInfo schemaFile)
    {
        if (!schemaFile.Exists) throw new ArgumentException($"Schema file not found: {schemaFile.FullName}");
        JsonNode? schema;
        try { schema = JsonNode.Parse(File.ReadAllText(schemaFile.FullName)); }
        catch (JsonException ex) { throw new ArgumentException($"{schemaFile.Name} is not valid JSON: {ex.Message}"); }
        if (schema is not JsonObject) throw new ArgumentException($"{schemaFile.Name} must hold a JSON Schema object.");
        return new JsonObject { ["type"] = "text", ["mime_type"] = "application/json", ["schema"] = schema };
    }
}
