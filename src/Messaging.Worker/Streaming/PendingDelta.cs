using System.Text;
using System.Text.Json.Nodes;
using Messaging.Interactions.Models.Deltas;

namespace Messaging.Worker.Streaming;

/// <summary>
/// API deltas of one step waiting to go out as one <see cref="Contracts.StepDelta"/> (sequence range
/// <see cref="First"/>..<see cref="Last"/>). Only consecutive deltas of the same step and type merge, and only
/// the types whose merge rule is plain concatenation of one string member: <c>text</c> (<c>text</c>) and
/// <c>arguments_delta</c> (<c>arguments</c>). Any other delta travels alone, exactly as received.
/// </summary>
internal sealed class PendingDelta
{
    private readonly JsonObject _first;
    private readonly string? _member;
    private StringBuilder? _merged;

    public PendingDelta(int index, long sequence, Delta delta, string? eventId)
    {
        Index = index;
        First = Last = sequence;
        EventId = eventId;
        Type = delta.Type;
        _first = delta.Json;
        _member = MergeMember(delta);
    }

    public int Index { get; }

    public long First { get; }

    public long Last { get; private set; }

    /// <summary>The last merged event's id: the stream's resume point after this message.</summary>
    public string? EventId { get; private set; }

    public string Type { get; }

    public int Count => (int)(Last - First + 1);

    /// <summary>Appends <paramref name="delta"/> when it continues this one (same step, same mergeable type); false otherwise.</summary>
    public bool TryMerge(int index, long sequence, Delta delta, string? eventId)
    {
        if (_member is null || index != Index || sequence != Last + 1 || MergeMember(delta) != _member || delta.Type != Type) return false;
        _merged ??= new StringBuilder(StringOf(_first, _member));
        _merged.Append(StringOf(delta.Json, _member));
        Last = sequence;
        EventId = eventId ?? EventId;
        return true;
    }

    /// <summary>The delta to publish: the first one as received, or a copy of it whose string member holds every merged fragment.</summary>
    public JsonObject Delta()
    {
        if (_merged is null) return _first;
        var merged = new JsonObject();
        foreach (var (name, value) in _first)
            merged[name] = name == _member ? JsonValue.Create(_merged.ToString()) : value?.DeepClone();
        return merged;
    }

    /// <summary>The text the message adds to the answer (text deltas only, those that travel alone included).</summary>
    public string? Text => _member == "text"
        ? _merged?.ToString() ?? StringOf(_first, "text")
        : Type == "text" && _first["text"] is JsonValue text && text.TryGetValue(out string? value) ? value : null;

    private static string? MergeMember(Delta delta)
    {
        var member = delta switch
        {
            TextDelta => "text",
            ArgumentsDelta => "arguments",
            _ => null,
        };
        // Only {type, member} with a string value: anything more (a field added later) is not ours to merge.
        if (member is null || delta.Json.Count != 2 || delta.Json[member] is not JsonValue value || value.GetValueKind() != System.Text.Json.JsonValueKind.String) return null;
        return member;
    }

    private static string StringOf(JsonObject json, string member) => (json[member] as JsonValue)?.GetValue<string>() ?? "";
}
