#pragma warning disable CA1822 // the generators read as one family, some of them draw from the seeded random and some do not
using System.Text;

namespace Messaging.Worker.Tests.Intake;

/// <summary>One generated message: its bytes and content type, the requestId a reader can find in it (null when none
/// can be), and whether it is a sound request that must be served (never rejected).</summary>
public sealed record HostileMessage(string Kind, byte[] Body, string? ContentType, Guid MessageId, Guid? ReadableId, bool Sound);

/// <summary>
/// Hostile request messages, generated from a seed (a failure names its seed and reproduces): random JSON, wrong types
/// in every field, megabyte strings, deep nesting, bad base64, unknown types, invalid UTF-8 and lone surrogates, empty
/// and non-JSON bodies, odd requestId spellings, envelopes with the wrong or no messageType, and every content type ×
/// envelope/bare combination of sound requests.
/// </summary>
internal sealed class HostileMessages(int seed)
{
    private const string Envelope = "application/vnd.masstransit+json";
    private const string Bare = "application/json";
    private static readonly string RequestUrn = "urn:message:Messaging.Contracts:InteractionRequested";
    private readonly Random _random = new(seed);

    public List<HostileMessage> Generate(int megabyteStrings)
    {
        var all = new List<HostileMessage>();
        for (var i = 0; i < 40; i++) all.Add(RandomJson());
        for (var i = 0; i < 72; i++) all.Add(WrongTypes(i));
        for (var i = 0; i < megabyteStrings; i++) all.Add(LargeString(1 + i * 3));
        foreach (var depth in new[] { 100, 128, 129, 1_000, 100_000 })
            for (var i = 0; i < 4; i++) all.Add(Deep(depth, i));
        for (var i = 0; i < 10; i++) all.Add(Sound("bad base64", $$"""{"model":"gemini-3.5-flash","input":[{"type":"image","mime_type":"image/png","data":"{{Junk(12)}}!!*"}]}""", expectServed: false));
        for (var i = 0; i < 10; i++) all.Add(Sound("unknown type", $$"""{"model":"gemini-3.5-flash","input":[{"type":"{{Junk(6)}}","text":"x"}]}""", expectServed: false));
        for (var i = 0; i < 12; i++) all.Add(InvalidUtf8(i));
        for (var i = 0; i < 12; i++) all.Add(LoneSurrogate(i));
        for (var i = 0; i < 16; i++) all.Add(Unreadable(i));
        for (var i = 0; i < 48; i++) all.Add(OddRequestId(i));
        foreach (var contentType in new[] { Envelope, Bare, null, "text/plain", "application/xml" })
            foreach (var enveloped in new[] { true, false })
                for (var i = 0; i < 2; i++) all.Add(ContentTypeCombination(contentType, enveloped));
        for (var i = 0; i < 10; i++) all.Add(WrongMessageType(i));
        for (var i = 0; i < 14; i++) all.Add(Truncated());
        for (var i = 0; i < 30; i++) all.Add(SoundRequest(i));
        return [.. all.OrderBy(_ => _random.Next())];
    }

    private HostileMessage RandomJson()
    {
        var id = Guid.NewGuid();
        var fields = new List<string> { $"\"requestId\":\"{id}\"" };
        for (var i = 0; i < _random.Next(1, 6); i++) fields.Add($"\"{Junk(5)}\":{RandomValue(3)}");
        if (_random.Next(2) == 0) fields.Add($"\"request\":{RandomValue(3)}");
        var json = "{" + string.Join(",", fields.OrderBy(_ => _random.Next())) + "}";
        return Message("random json", json, _random.Next(2) == 0 ? Bare : null, id, sound: false, envelope: _random.Next(2) == 0);
    }

    private HostileMessage WrongTypes(int i)
    {
        var id = Guid.NewGuid();
        string[] wrong = ["42", "true", "[]", "{}", "\"not-a-uuid\"", "\"\"", "3.5", "[\"" + Guid.NewGuid() + "\"]"];
        var value = wrong[i % wrong.Length];
        var field = (i / wrong.Length % 3) switch { 0 => "conversationId", 1 => "turnId", _ => "request" };
        var json = field == "request"
            ? $$"""{"requestId":"{{id}}","request":{{value}}}"""
            : $$"""{"requestId":"{{id}}","{{field}}":{{value}},"request":{"model":"gemini-3.5-flash","input":"wrong type"} }""";
        return Message($"wrong type ({field})", json, i % 2 == 0 ? Bare : Envelope, id, sound: false, envelope: i % 2 == 1);
    }

    private HostileMessage LargeString(int megabytes)
    {
        var id = Guid.NewGuid();
        var json = $$"""{"requestId":"{{id}}","request":{"model":"gemini-3.5-flash","input":[{"type":"text","text":"{{new string('a', megabytes * 1024 * 1024)}}"}]} }""";
        return Message($"{megabytes} MB string", json, Envelope, id, sound: false, envelope: true);
    }

    private HostileMessage Deep(int depth, int variant)
    {
        var id = Guid.NewGuid();
        var nested = new StringBuilder();
        // The request object is level 1; the nested value starts at level 2 (under response_format or an unknown member).
        var inner = depth - 1;
        if (variant % 2 == 0)
        {
            // A response_format schema, as deep as asked (each property level is two JSON levels).
            var levels = Math.Max(1, (inner - 2) / 2);
            for (var k = 0; k < levels; k++) nested.Append("{\"type\":\"object\",\"properties\":{\"p\":");
            nested.Append("{\"type\":\"string\"}");
            for (var k = 0; k < levels; k++) nested.Append("}}");
            var json = $$"""{"requestId":"{{id}}","request":{"model":"gemini-3.5-flash","input":"Deep","response_format":{"type":"text","mime_type":"application/json","schema":{{nested}} } } }""";
            return Message($"depth {depth} (schema)", json, variant < 2 ? Envelope : Bare, id, sound: false, envelope: variant < 2);
        }
        for (var k = 0; k < inner; k++) nested.Append('[');
        for (var k = 0; k < inner; k++) nested.Append(']');
        var arrays = $$"""{"requestId":"{{id}}","request":{"model":"gemini-3.5-flash","input":"Deep","x":{{nested}} } }""";
        return Message($"depth {depth} (arrays)", arrays, variant < 2 ? Envelope : Bare, id, sound: false, envelope: variant < 2);
    }

    private static HostileMessage InvalidUtf8(int i)
    {
        var id = Guid.NewGuid();
        var head = Encoding.UTF8.GetBytes($$"""{"requestId":"{{id}}","request":{"model":"gemini-3.5-flash","input":"bad bytes """);
        byte[][] bad = [[0xC3, 0x28], [0xFF], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80]];
        var tail = Encoding.UTF8.GetBytes("\"}}");
        var body = head.Concat(bad[i % bad.Length]).Concat(tail).ToArray();
        var envelope = i % 2 == 1;
        var messageId = Guid.NewGuid();
        if (envelope) body = Wrap(body, messageId);
        return new HostileMessage("invalid UTF-8", body, envelope ? Envelope : Bare, messageId, id, false);
    }

    private HostileMessage LoneSurrogate(int i)
    {
        var id = Guid.NewGuid();
        string[] escapes = ["\\uDE42", "\\uD83D", "\\uD83Dx", "\\uDC00\\uD800", "\\uD800\\u0041", "a\\uDFFF"];
        var json = $$"""{"requestId":"{{id}}","request":{"model":"gemini-3.5-flash","input":"lone {{escapes[i % escapes.Length]}} surrogate"} }""";
        return Message("lone surrogate", json, i % 2 == 0 ? Bare : Envelope, id, sound: false, envelope: i % 2 == 1);
    }

    private static HostileMessage Unreadable(int i)
    {
        string[] bodies = ["", " ", "not json at all", "{", "[1,2,3]", "null", "\"a string\"", "{\"request\":{\"model\":\"m\",\"input\":\"no id\"}}",
            "<xml/>", "{\"requestId\":12345}", "{\"requestId\":null}", "{\"requestId\":\"\"}", "{\"requestId\":\"zzz\"}", "\u0000\u0001", "{}", "[]"];
        var text = bodies[i % bodies.Length];
        return new HostileMessage("unreadable", Encoding.UTF8.GetBytes(text), i % 2 == 0 ? Bare : Envelope, Guid.NewGuid(), null, false);
    }

    private HostileMessage OddRequestId(int i)
    {
        var id = Guid.NewGuid();
        var spellings = new[]
        {
            $"{{{id}}}", id.ToString("N"), $"urn:uuid:{id}", $"({id})", $" {id} ", id.ToString().ToUpperInvariant(), $"URN:UUID:{id}",
            id.ToString("X"),
        };
        var spelling = spellings[i % spellings.Length];
        var json = $$"""{"requestId":"{{spelling.Replace("\"", "\\\"", StringComparison.Ordinal)}}","request":{"model":"gemini-3.5-flash","input":"odd id"} }""";
        // The canonical form in capitals is the same UUID in the canonical form: served.
        var sound = string.Equals(spelling, id.ToString().ToUpperInvariant(), StringComparison.Ordinal);
        return Message($"odd requestId ({i % spellings.Length})", json, i % 2 == 0 ? Bare : Envelope, id, sound, envelope: i % 2 == 1);
    }

    private HostileMessage ContentTypeCombination(string? contentType, bool enveloped)
    {
        var id = Guid.NewGuid();
        var json = $$"""{"requestId":"{{id}}","request":{"model":"gemini-3.5-flash","input":"content type {{contentType ?? "none"}}"} }""";
        // Served as sent: an envelope as the envelope type (or none: MassTransit's default), bare JSON as application/json.
        var sound = enveloped ? contentType is Envelope or null : contentType == Bare;
        return Message($"{contentType ?? "no content type"} {(enveloped ? "envelope" : "bare")}", json, contentType, id, sound, envelope: enveloped);
    }

    private static HostileMessage WrongMessageType(int i)
    {
        var id = Guid.NewGuid();
        var messageId = Guid.NewGuid();
        var types = (i % 3) switch { 0 => "[]", 1 => "[\"\"]", _ => "[\"urn:message:Messaging.Contracts:SomethingElse\"]" };
        var json = $$"""{"messageId":"{{messageId}}","messageType":{{types}},"message":{"requestId":"{{id}}","request":{"model":"gemini-3.5-flash","input":"wrong type"} } }""";
        return new HostileMessage("wrong messageType", Encoding.UTF8.GetBytes(json), Envelope, messageId, id, false);
    }

    private HostileMessage Truncated()
    {
        var id = Guid.NewGuid();
        var json = $$"""{"requestId":"{{id}}","request":{"model":"gemini-3.5-flash","input":"cut here""";
        var cut = json[..(json.Length - _random.Next(0, 10))];
        return new HostileMessage("truncated", Encoding.UTF8.GetBytes(cut), _random.Next(2) == 0 ? Bare : Envelope, Guid.NewGuid(), id, false);
    }

    private HostileMessage SoundRequest(int i)
    {
        var id = Guid.NewGuid();
        var conversation = i % 2 == 0 ? $",\"conversationId\":\"{Guid.NewGuid()}\"" : "";
        var json = $$"""{"requestId":"{{id}}"{{conversation}},"request":{"model":"gemini-3.5-flash","input":"sound request {{i}}"} }""";
        return Message(conversation.Length > 0 ? "sound, in a conversation" : "sound", json, i % 4 < 2 ? Bare : Envelope, id, sound: true, envelope: i % 4 >= 2);
    }

    private HostileMessage Sound(string kind, string request, bool expectServed)
    {
        var id = Guid.NewGuid();
        return Message(kind, $$"""{"requestId":"{{id}}","request":{{request}}}""", _random.Next(2) == 0 ? Bare : Envelope, id, expectServed, envelope: false);
    }

    private static HostileMessage Message(string kind, string json, string? contentType, Guid id, bool sound, bool envelope)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var messageId = Guid.NewGuid();
        if (envelope || contentType == Envelope && !kind.Contains("bare", StringComparison.Ordinal)) body = Wrap(body, messageId);
        return new HostileMessage(kind, body, contentType, messageId, id, sound);
    }

    private static byte[] Wrap(byte[] message, Guid? messageId = null)
    {
        var head = Encoding.UTF8.GetBytes($$"""{"messageId":"{{messageId ?? Guid.NewGuid()}}","messageType":["{{RequestUrn}}"],"message":""");
        return [.. head, .. message, (byte)'}'];
    }

    private string RandomValue(int depth) => (_random.Next(depth <= 0 ? 4 : 6)) switch
    {
        0 => _random.Next(-1000, 1000).ToString(System.Globalization.CultureInfo.InvariantCulture),
        1 => $"\"{Junk(8)}\"",
        2 => _random.Next(2) == 0 ? "true" : "null",
        3 => $"\"{Guid.NewGuid()}\"",
        4 => "[" + string.Join(",", Enumerable.Range(0, _random.Next(0, 4)).Select(_ => RandomValue(depth - 1))) + "]",
        _ => "{" + string.Join(",", Enumerable.Range(0, _random.Next(0, 4)).Select(_ => $"\"{Junk(4)}\":{RandomValue(depth - 1)}")) + "}",
    };

    private string Junk(int length) => new([.. Enumerable.Range(0, length).Select(_ => "abcdefghijklmnopqrstuvwxyz0123456789"[_random.Next(36)])]);
}
