using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Emulator.Json;

namespace Messaging.Emulator.Store;

/// <summary>
/// Writes the Interaction resource (reference §4) in the member order of the seed's samples.
/// A create answers only the steps generated in this turn; a GET answers the whole timeline of
/// the interaction, starting with its input steps.
/// </summary>
internal static class InteractionRenderer
{
    private static readonly string[] EchoedFields =
    [
        "system_instruction", "tools", "generation_config", "response_format", "agent_config", "environment", "labels",
        "safety_settings", "service_tier", "webhook_config", "cached_content", "response_mime_type", "response_modalities",
    ];

    public static void WriteCreated(Utf8JsonWriter writer, InteractionRun run, RunSnapshot snapshot)
    {
        writer.WriteStartObject();
        WriteHead(writer, run, snapshot, includeUsage: true);
        if (snapshot.Steps.Count > 0 || snapshot.Finished)
        {
            WriteSteps(writer, [], snapshot.Steps);
        }

        WriteTail(writer, run, snapshot);
        WriteEchoedConfig(writer, run);
        writer.WriteEndObject();
    }

    public static void WriteTimeline(Utf8JsonWriter writer, InteractionRun run, RunSnapshot snapshot, bool includeInput)
    {
        writer.WriteStartObject();
        WriteHead(writer, run, snapshot, includeUsage: true);
        WriteSteps(writer, run.Request.InputSteps, snapshot.Steps);
        WriteTail(writer, run, snapshot);
        WriteEchoedConfig(writer, run);
        if (includeInput && run.Request.Input is { } input)
        {
            writer.WritePropertyName("input");
            input.WriteTo(writer);
        }

        writer.WriteEndObject();
    }

    /// <summary>The partial resource carried by <c>interaction.created</c> and <c>interaction.completed</c>.</summary>
    public static void WritePartial(Utf8JsonWriter writer, InteractionRun run, RunSnapshot snapshot, bool includeUsage)
    {
        writer.WriteStartObject();
        WriteHead(writer, run, snapshot, includeUsage);
        WriteTail(writer, run, snapshot);
        writer.WriteEndObject();
    }

    private static void WriteHead(Utf8JsonWriter writer, InteractionRun run, RunSnapshot snapshot, bool includeUsage)
    {
        writer.WriteString("id", run.Id);
        writer.WriteString("status", snapshot.Status);
        if (includeUsage && snapshot.Usage is { } usage)
        {
            writer.WritePropertyName("usage");
            usage.WriteTo(writer);
        }

        writer.WriteString("created", EmulatorJson.Timestamp(run.Created));
        writer.WriteString("updated", EmulatorJson.Timestamp(snapshot.Updated));
    }

    private static void WriteSteps(Utf8JsonWriter writer, IReadOnlyList<JsonObject> inputSteps, IReadOnlyList<JsonObject> steps)
    {
        writer.WriteStartArray("steps");
        foreach (var step in inputSteps)
        {
            step.WriteTo(writer);
        }

        foreach (var step in steps)
        {
            step.WriteTo(writer);
        }

        writer.WriteEndArray();
    }

    private static void WriteTail(Utf8JsonWriter writer, InteractionRun run, RunSnapshot snapshot)
    {
        writer.WriteString("object", "interaction");
        if (run.Request.Agent is { } agent)
        {
            writer.WriteString("agent", agent);
        }
        else
        {
            writer.WriteString("model", run.Request.Model);
        }

        if (run.Request.PreviousInteractionId is { } previous)
        {
            writer.WriteString("previous_interaction_id", previous);
        }

        if (run.EnvironmentId is { } environment)
        {
            writer.WriteString("environment_id", environment);
        }

        if (snapshot.ContinuationToken is { } token)
        {
            writer.WriteString("continuation_token", token);
        }

        if (snapshot.Error is { } error)
        {
            writer.WriteStartArray("errors");
            writer.WriteStartObject();
            writer.WriteString("code", error.Code);
            writer.WriteString("message", error.Message);
            writer.WriteEndObject();
            writer.WriteEndArray();
        }
    }

    private static void WriteEchoedConfig(Utf8JsonWriter writer, InteractionRun run)
    {
        var body = run.Request.Body;
        foreach (var field in EchoedFields)
        {
            if (body[field] is { } value)
            {
                writer.WritePropertyName(field);
                value.WriteTo(writer);
            }
        }
    }
}
