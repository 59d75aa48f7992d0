using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Interactions.Json;
using Messaging.Interactions.Models.Deltas;
using Messaging.Interactions.Models.Steps;

namespace Messaging.Interactions.Streaming;

/// <summary>
/// Builds one whole step from its <c>step.start</c> seed and <c>step.delta</c>s, by the merge rules of
/// the API (the SDK has no accumulator): text appends to the last text block, annotations join that
/// block, <c>thought_signature</c> sets the signature, <c>thought_summary</c> appends to the summary,
/// <c>arguments_delta</c> fragments concatenate and parse at the end, media deltas add one block
/// each, tool call/result deltas merge their fields. Text and argument fragments go to builders and
/// are written once, so long answers cost linear time.
/// </summary>
public sealed class StepBuilder
{
    private readonly JsonObject _step;
    private readonly StringBuilder _text = new();
    private JsonObject? _openTextBlock;
    private StringBuilder? _arguments;

    /// <summary>Starts from the seed step (cloned; the event is not changed).</summary>
    public StepBuilder(JsonObject startStep) => _step = InteractionsJson.Clone(startStep);

    /// <summary>
    /// The builder's state as JSON (the step so far, its open text block written out, argument fragments kept raw), so a
    /// stream resumed elsewhere continues it: <see cref="FromSnapshot"/> gives a builder that builds the same step.
    /// </summary>
    public JsonObject ToSnapshot()
    {
        var step = InteractionsJson.Clone(_step);
        if (_openTextBlock is not null && _step["content"] is JsonArray content && content.IndexOf(_openTextBlock) is var at and >= 0
            && step["content"] is JsonArray copy && copy[at] is JsonObject block)
        {
            block["text"] = _text.ToString();
        }
        var snapshot = new JsonObject { ["step"] = step };
        if (_arguments is not null) snapshot["arguments"] = _arguments.ToString();
        return snapshot;
    }

    /// <summary>A builder in the state <see cref="ToSnapshot"/> wrote (consecutive text continues the last text block, as it would have).</summary>
    public static StepBuilder FromSnapshot(JsonObject snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var builder = new StepBuilder(snapshot["step"] as JsonObject ?? []);
        if (snapshot["arguments"] is JsonValue arguments) builder._arguments = new StringBuilder(arguments.ToString());
        return builder;
    }

    /// <summary>The step's type.</summary>
    public string Type => (_step["type"] as JsonValue)?.ToString() ?? "";

    /// <summary>Applies one delta.</summary>
    public void Apply(Delta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        switch (delta)
        {
            case TextDelta text:
                OpenTextBlock().Append(text.Text);
                break;
            case TextAnnotationDelta:
                OpenTextBlock();
                var annotations = _openTextBlock!["annotations"] as JsonArray;
                if (annotations is null)
                {
                    annotations = [];
                    _openTextBlock["annotations"] = annotations;
                }
                if (delta.Json["annotations"] is JsonArray incoming)
                {
                    foreach (var a in incoming) annotations.Add(a?.DeepClone());
                }
                break;
            case ThoughtSignatureDelta signature:
                _step["signature"] = signature.Signature;
                break;
            case ThoughtSummaryDelta summary:
                FlushText();
                AppendTo("summary", delta.Json["content"]);
                break;
            case ArgumentsDelta args:
                (_arguments ??= new StringBuilder()).Append(args.Arguments);
                break;
            case MediaDelta:
                FlushText();
                AppendTo("content", InteractionsJson.Clone(delta.Json));
                break;
            case ToolCallDelta or ToolResultDelta or FunctionResultDelta or McpServerToolDelta:
                MergeFields(delta.Json);
                break;
            default:
                // A delta type added later: a content-bearing step gets it as a block, others merge it.
                FlushText();
                if (_step["content"] is JsonArray) AppendTo("content", InteractionsJson.Clone(delta.Json));
                else MergeFields(delta.Json);
                break;
        }
    }

    /// <summary>The whole step, once its <c>step.stop</c> arrived (may be called again; later deltas continue it).</summary>
    public Step Complete()
    {
        FlushText();
        if (_arguments is not null)
        {
            var raw = _arguments.ToString();
            JsonNode? parsed;
            try { parsed = raw.Length == 0 ? new JsonObject() : JsonNode.Parse(raw); }
            catch (JsonException) { parsed = JsonValue.Create(raw); } // keep what came rather than lose it
            _step["arguments"] = parsed;
            _arguments = null;
        }
        return Step.From(InteractionsJson.Clone(_step));
    }

    /// <summary>The text of the step's text blocks so far, the block still being streamed included.</summary>
    public string TextSoFar => _step["content"] is JsonArray content
        ? string.Concat(content.OfType<JsonObject>().Where(b => (b["type"] as JsonValue)?.ToString() == "text")
            .Select(b => ReferenceEquals(b, _openTextBlock) ? _text.ToString() : (b["text"] as JsonValue)?.ToString()))
        : "";

    private StringBuilder OpenTextBlock()
    {
        if (_openTextBlock is not null) return _text;
        var content = _step["content"] as JsonArray;
        if (content is null)
        {
            content = [];
            _step["content"] = content;
        }
        if (content.Count > 0 && content[^1] is JsonObject last && (last["type"] as JsonValue)?.ToString() == "text")
        {
            _openTextBlock = last;
            _text.Clear().Append((last["text"] as JsonValue)?.ToString());
        }
        else
        {
            _openTextBlock = new JsonObject { ["type"] = "text", ["text"] = "" };
            content.Add(_openTextBlock);
            _text.Clear();
        }
        return _text;
    }

    private void FlushText()
    {
        if (_openTextBlock is null) return;
        _openTextBlock["text"] = _text.ToString();
        _openTextBlock = null;
        _text.Clear();
    }

    private void AppendTo(string member, JsonNode? item)
    {
        if (_step[member] is not JsonArray array)
        {
            array = [];
            _step[member] = array;
        }
        array.Add(item is null ? null : item.Parent is null ? item : item.DeepClone());
    }

    private void MergeFields(JsonObject delta)
    {
        FlushText();
        foreach (var (name, value) in delta)
        {
            if (name == "type") continue;
            _step[name] = value?.DeepClone();
        }
    }
}
