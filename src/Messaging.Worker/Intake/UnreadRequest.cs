using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Messaging.Client;
using Messaging.Contracts;

namespace Messaging.Worker.Intake;

/// <summary>
/// What can still be read from a request message that could not be read as one: its ids, and each problem in words.
/// The body may be an envelope or a bare message under any content type, not JSON, not UTF-8, nested past any parser's
/// depth: whatever names a requestId gets an answer.
/// </summary>
/// <param name="RequestId">The request's id, when one could be read (in any UUID spelling).</param>
/// <param name="ConversationId">The conversation, when given and readable.</param>
/// <param name="TurnId">The turn, when given and readable.</param>
/// <param name="Problems">Every problem found, by field.</param>
/// <param name="MessageTypes">The types its envelope lists (none for a bare message).</param>
internal sealed record UnreadRequest(Guid? RequestId, Guid? ConversationId, Guid? TurnId, IReadOnlyList<ValidationProblem> Problems,
    IReadOnlyList<string> MessageTypes)
{
    private static readonly byte[] RequestIdKey = "\"requestId\""u8.ToArray();

    /// <summary>Reads <paramref name="body"/> as tolerantly as it can.</summary>
    /// <param name="body">The message's bytes.</param>
    /// <param name="sentBare">Whether it came as plain JSON (<c>application/json</c>), not as MassTransit's envelope.</param>
    /// <returns>The ids found and the problems found (none when the text itself is sound: the caller says why it failed).</returns>
    public static UnreadRequest Read(ReadOnlySpan<byte> body, bool sentBare)
    {
        var problems = new List<ValidationProblem>();
        if (body.IsEmpty) return new(null, null, null, [new("message", "is empty: a request is a JSON object with a requestId and a request")], []);
        if (!Utf8.IsValid(body)) problems.Add(new("message", $"is not valid UTF-8 (the first invalid byte is at offset {FirstInvalidByte(body)}); JSON text must be UTF-8"));

        var walk = JsonWalk.Run(body, "", MessageNesting.MaxMessageDepth, MessageNesting.InWords);
        var envelope = walk.Shallow.Keys.Any(k => k.StartsWith("message.", StringComparison.Ordinal) || k.StartsWith("messageType[", StringComparison.Ordinal));
        var prefix = envelope ? "message." : "";
        if (envelope && sentBare)
            problems.Add(new("contentType", "the body is a MassTransit envelope sent as application/json: send an envelope as application/vnd.masstransit+json, or the bare message as application/json"));
        problems.AddRange(walk.Problems.Select(p => p with { Field = Unprefixed(p.Field, prefix) }));

        var requestId = IdOf(walk, prefix + "requestId", "requestId", problems, required: true)
            ?? (walk.Malformed ? ScanForRequestId(body, problems) : null);
        var conversationId = IdOf(walk, prefix + "conversationId", "conversationId", problems, required: false);
        var turnId = IdOf(walk, prefix + "turnId", "turnId", problems, required: false);
        if (walk.Shallow.TryGetValue(prefix + "request", out var request) && request.Type != JsonTokenType.Null)
            problems.Add(new("request", $"must be a JSON object (the body of POST /interactions), not {Describe(request.Type)}"));
        IReadOnlyList<string> types = [.. walk.Shallow.Where(p => p.Key.StartsWith("messageType[", StringComparison.Ordinal) && p.Value.Text is not null)
            .Select(p => p.Value.Text!)];
        return new(requestId, conversationId, turnId, problems, types);
    }

    private static Guid? IdOf(JsonWalk walk, string path, string field, List<ValidationProblem> problems, bool required)
    {
        if (!walk.Shallow.TryGetValue(path, out var value) || value.Type == JsonTokenType.Null) return null;
        if (value.Type != JsonTokenType.String || value.Text is not { } text)
        {
            if (!required) problems.Add(new(field, $"must be a UUID string (e.g. \"3f2c8e4a-1b7d-4c9e-8a5f-0d6e2b1c7a90\") or left out, not {Describe(value.Type)}"));
            return null;
        }
        if (Guid.TryParseExact(text, "D", out var id)) return id;
        if (TryParseOtherSpelling(text, out id))
        {
            problems.Add(new(field, $"'{Shorten(text)}' spells a UUID another way; write it in the canonical 36-character form ({id}): braces, missing dashes and urn:uuid: are not accepted, so that an id reads the same in every event"));
            return id;
        }
        problems.Add(new(field, $"'{Shorten(text)}' is not a UUID (e.g. \"3f2c8e4a-1b7d-4c9e-8a5f-0d6e2b1c7a90\")"));
        return null;
    }

    /// <summary>Braces, parentheses, no dashes, <c>urn:uuid:</c>, surrounding spaces.</summary>
    private static bool TryParseOtherSpelling(string text, out Guid id)
    {
        var trimmed = text.Trim();
        if (trimmed.StartsWith("urn:uuid:", StringComparison.OrdinalIgnoreCase)) trimmed = trimmed["urn:uuid:".Length..];
        return Guid.TryParse(trimmed, out id);
    }

    /// <summary>The text is not JSON all the way: the first <c>"requestId": "…"</c> before the point it broke may still name it.</summary>
    private static Guid? ScanForRequestId(ReadOnlySpan<byte> body, List<ValidationProblem> problems)
    {
        var at = body.IndexOf(RequestIdKey);
        if (at < 0) return null;
        var rest = body[(at + RequestIdKey.Length)..].TrimStart(" \t\r\n"u8);
        if (rest.IsEmpty || rest[0] != (byte)':') return null;
        rest = rest[1..].TrimStart(" \t\r\n"u8);
        if (rest.IsEmpty || rest[0] != (byte)'"') return null;
        var end = rest[1..].IndexOf((byte)'"');
        if (end is < 0 or > 64) return null;
        var text = Encoding.UTF8.GetString(rest.Slice(1, end));
        if (Guid.TryParseExact(text, "D", out var id)) return id;
        if (!TryParseOtherSpelling(text, out id)) return null;
        problems.Add(new("requestId", $"'{text}' spells a UUID another way; write it in the canonical 36-character form ({id})"));
        return id;
    }

    private static int FirstInvalidByte(ReadOnlySpan<byte> body)
    {
        var offset = 0;
        while (offset < body.Length)
        {
            if (Rune.DecodeFromUtf8(body[offset..], out _, out var consumed) != System.Buffers.OperationStatus.Done) return offset;
            offset += consumed;
        }
        return offset;
    }

    private static string Unprefixed(string field, string prefix) =>
        prefix.Length > 0 && field.StartsWith(prefix, StringComparison.Ordinal) ? field[prefix.Length..] : field;

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "…";

    private static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        _ => "null",
    };
}
