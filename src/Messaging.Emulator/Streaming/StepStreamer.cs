using System.Text.Json.Nodes;
using Messaging.Emulator.Json;
using Messaging.Emulator.Requests;

namespace Messaging.Emulator.Streaming;

/// <summary>
/// Turns a finished step into its stream: the inverse of the merge rules of reference §6.3, so a
/// client that applies those rules to the events rebuilds exactly the step a later GET returns.
/// </summary>
internal static class StepStreamer
{
    private const int ArgumentFragments = 3;

    public static StepScript Script(JsonObject step, int textChunks)
    {
        var type = EmulatorJson.TypeOf(step);
        switch (type)
        {
            case ApiTypes.Thought:
                return Thought(step);
            case ApiTypes.ModelOutput:
                return ModelOutput(step, textChunks);
            case ApiTypes.FunctionCall:
                return FunctionCall(step);
            default:
                if (type.EndsWith("_call", StringComparison.Ordinal) || type.EndsWith("_result", StringComparison.Ordinal))
                {
                    return ToolStep(step, type);
                }

                return new StepScript(step, []);
        }
    }

    private static StepScript Thought(JsonObject step)
    {
        var deltas = new List<StepDelta>();
        if (step["summary"] is JsonArray summary)
        {
            foreach (var block in summary)
            {
                deltas.Add(Delta(new JsonObject { ["content"] = block?.DeepClone(), ["type"] = "thought_summary" }));
            }
        }

        if (step["signature"] is { } signature)
        {
            deltas.Add(Delta(new JsonObject { ["signature"] = signature.DeepClone(), ["type"] = "thought_signature" }));
        }

        return new StepScript(new JsonObject { ["type"] = ApiTypes.Thought }, deltas);
    }

    private static StepScript ModelOutput(JsonObject step, int textChunks)
    {
        var deltas = new List<StepDelta>();
        if (step["content"] is JsonArray content)
        {
            foreach (var node in content)
            {
                if (node is not JsonObject block)
                {
                    continue;
                }

                if (EmulatorJson.TypeOf(block) == ApiTypes.Text)
                {
                    var text = EmulatorJson.StringOrNull(block["text"]) ?? string.Empty;
                    var bounds = TextSplitter.Boundaries(text, textChunks);
                    for (var i = 0; i + 1 < bounds.Length; i++)
                    {
                        deltas.Add(new StepDelta(text[bounds[i]..bounds[i + 1]], null));
                    }

                    if (block["annotations"] is JsonArray annotations)
                    {
                        deltas.Add(Delta(new JsonObject { ["annotations"] = annotations.DeepClone(), ["type"] = "text_annotation_delta" }));
                    }
                }
                else
                {
                    // Media deltas carry the whole block: each becomes one block when merged.
                    deltas.Add(Delta(block.DeepClone().AsObject()));
                }
            }
        }

        return new StepScript(new JsonObject { ["type"] = ApiTypes.ModelOutput }, deltas);
    }

    private static StepScript FunctionCall(JsonObject step)
    {
        var arguments = EmulatorJson.ToCompactString(step["arguments"] ?? new JsonObject());
        var bounds = TextSplitter.Boundaries(arguments, ArgumentFragments);
        var deltas = new List<StepDelta>(bounds.Length);
        for (var i = 0; i + 1 < bounds.Length; i++)
        {
            deltas.Add(Delta(new JsonObject { ["arguments"] = arguments[bounds[i]..bounds[i + 1]], ["type"] = "arguments_delta" }));
        }

        var start = new JsonObject
        {
            ["type"] = ApiTypes.FunctionCall,
            ["id"] = step["id"]?.DeepClone(),
            ["name"] = step["name"]?.DeepClone(),
        };
        return new StepScript(start, deltas);
    }

    private static StepScript ToolStep(JsonObject step, string type)
    {
        // The start names the step (its id or call_id); one delta of the same type carries the rest.
        var start = new JsonObject { ["type"] = type };
        var delta = new JsonObject();
        foreach (var (key, value) in step)
        {
            if (key == "type")
            {
                continue;
            }

            if (key is "id" or "call_id")
            {
                start[key] = value?.DeepClone();
            }
            else
            {
                delta[key] = value?.DeepClone();
            }
        }

        delta["type"] = type;
        return new StepScript(start, delta.Count > 1 ? [Delta(delta)] : []);
    }

    private static StepDelta Delta(JsonObject delta) => new(null, delta);
}
