using System.Text.Json.Nodes;

namespace Messaging.Emulator.Tests.Support;

/// <summary>
/// Rebuilds steps from <c>step.start</c>/<c>step.delta</c>/<c>step.stop</c> events by the merge rules
/// of reference §6.3 — a separate implementation from the emulator's, so each checks the other.
/// </summary>
internal static class StepMerger
{
    public static JsonArray Merge(IEnumerable<SseEvent> events)
    {
        var steps = new SortedDictionary<int, JsonObject>();
        var arguments = new Dictionary<int, string>();
        foreach (var e in events)
        {
            if (e.Data is null)
            {
                continue;
            }

            switch (e.EventType)
            {
                case "step.start":
                    steps[(int)e.Data["index"]!] = e.Data["step"]!.DeepClone().AsObject();
                    break;
                case "step.delta":
                    var index = (int)e.Data["index"]!;
                    Apply(steps[index], e.Data["delta"]!.AsObject(), index, arguments);
                    break;
                case "step.stop":
                    var stopped = (int)e.Data["index"]!;
                    if (arguments.Remove(stopped, out var json))
                    {
                        steps[stopped]["arguments"] = JsonNode.Parse(json);
                    }

                    break;
            }
        }

        return new JsonArray(steps.Values.Select(JsonNode (s) => s).ToArray());
    }

    private static void Apply(JsonObject step, JsonObject delta, int index, Dictionary<int, string> arguments)
    {
        var type = (string)delta["type"]!;
        switch (type)
        {
            case "text":
                LastTextBlock(step)["text"] = (string?)LastTextBlock(step)["text"] + (string)delta["text"]!;
                break;
            case "text_annotation_delta":
                var block = LastTextBlock(step);
                if (block["annotations"] is not JsonArray annotations)
                {
                    annotations = [];
                    block["annotations"] = annotations;
                }

                foreach (var annotation in delta["annotations"]!.AsArray())
                {
                    annotations.Add(annotation!.DeepClone());
                }

                break;
            case "thought_signature":
                step["signature"] = delta["signature"]!.DeepClone();
                break;
            case "thought_summary":
                if (step["summary"] is not JsonArray summary)
                {
                    summary = [];
                    step["summary"] = summary;
                }

                summary.Add(delta["content"]!.DeepClone());
                break;
            case "arguments_delta":
                arguments[index] = arguments.GetValueOrDefault(index, string.Empty) + (string)delta["arguments"]!;
                break;
            case "image" or "audio" or "video" or "document":
                Content(step).Add(delta.DeepClone());
                break;
            default:
                foreach (var (key, value) in delta)
                {
                    if (key != "type")
                    {
                        step[key] = value?.DeepClone();
                    }
                }

                break;
        }
    }

    private static JsonArray Content(JsonObject step)
    {
        if (step["content"] is not JsonArray content)
        {
            content = [];
            step["content"] = content;
        }

        return content;
    }

    private static JsonObject LastTextBlock(JsonObject step)
    {
        var content = Content(step);
        for (var i = content.Count - 1; i >= 0; i--)
        {
            if ((string)content[i]!["type"]! == "text")
            {
                return content[i]!.AsObject();
            }
        }

        var block = new JsonObject { ["type"] = "text", ["text"] = string.Empty };
        content.Add(block);
        return block;
    }
}
