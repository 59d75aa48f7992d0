using System.Security.Cryptography;
using System.Text.Json;
using Messaging.Worker.Checkpoints;

namespace Messaging.Worker.Tests.Checkpoints;

/// <summary>The hash is the one stored in every checkpoint: computed in pieces, it must equal the whole body written compactly.</summary>
public sealed class RequestBodyHashTests
{
    public static TheoryData<string> Bodies => new()
    {
        """{"model":"gemini-3.5-flash","input":"Hi"}""",
        """{ "model" : "m", "input" : [ { "type":"text", "text":"a+b/c \u00e9 \"q\" \n <&>" } ], "n": 1.50, "t": true, "z": null }""",
        "{\"model\":\"m\",\"input\":[{\"type\":\"image\",\"data\":\"" + new string('+', 200_000) + "ab/cd==\"}]}",
        "{\"model\":\"m\",\"input\":\"" + string.Concat(Enumerable.Repeat("line\\n\\u00e9\\uD83D\\uDE00 ", 30_000)) + "\"}",
        "{\"model\":\"m\",\"input\":\"" + string.Concat(Enumerable.Repeat("é😀", 70_000)) + "\"}",
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Equals_the_hash_of_the_body_written_compactly_at_once(string json)
    {
        using var document = JsonDocument.Parse(json);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) document.RootElement.WriteTo(writer);
        var whole = Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));

        Assert.Equal(whole, RequestBodyHash.Of(document.RootElement));
    }
}
