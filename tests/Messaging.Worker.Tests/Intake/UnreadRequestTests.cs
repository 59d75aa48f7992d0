using System.Text;
using Messaging.Worker.Intake;

namespace Messaging.Worker.Tests.Intake;

/// <summary>The tolerant reader: what a broken request message still says, and each problem in words.</summary>
public sealed class UnreadRequestTests
{
    private static readonly Guid Id = Guid.Parse("3f2c8e4a-1b7d-4c9e-8a5f-0d6e2b1c7a90");

    [Fact]
    public void A_lone_surrogate_is_named_with_its_path()
    {
        var read = Read($$"""{"requestId":"{{Id}}","request":{"model":"m","input":[{"type":"text","text":"x\uDE42"}]} }""");

        Assert.Equal(Id, read.RequestId);
        var problem = Assert.Single(read.Problems);
        Assert.Equal("request.input[0].text", problem.Field);
        Assert.Contains("lone UTF-16 surrogate", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_paired_surrogate_escape_and_an_escaped_backslash_are_fine()
    {
        var read = Read($$"""{"requestId":"{{Id}}","request":{"model":"m","input":"\uD83D\uDE00 \\uDE42"} }""");

        Assert.Empty(read.Problems);
    }

    [Fact]
    public void Nesting_past_the_limit_is_named_where_it_starts_even_far_past_any_parser()
    {
        var deep = new string('[', 100_000) + new string(']', 100_000);
        var read = Read($$"""{"request":{"model":"m","x":{{deep}}},"requestId":"{{Id}}"}""");

        Assert.Equal(Id, read.RequestId);
        var problem = Assert.Single(read.Problems);
        Assert.StartsWith("request.x[0]", problem.Field, StringComparison.Ordinal);
        Assert.Contains("a request may nest 128 levels", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_envelope_sent_as_plain_json_is_read_inside_and_said_so()
    {
        var read = Read($$"""{"messageId":"{{Guid.NewGuid()}}","messageType":["urn:message:Messaging.Contracts:InteractionRequested"],"message":{"requestId":"{{Id}}","conversationId":7,"request":{"model":"m","input":"Hi"} } }""", bare: true);

        Assert.Equal(Id, read.RequestId);
        Assert.Equal(["contentType", "conversationId"], read.Problems.Select(p => p.Field));
        Assert.Contains("must be a UUID string", read.Problems[1].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{3f2c8e4a-1b7d-4c9e-8a5f-0d6e2b1c7a90}")]
    [InlineData("3f2c8e4a1b7d4c9e8a5f0d6e2b1c7a90")]
    [InlineData("urn:uuid:3f2c8e4a-1b7d-4c9e-8a5f-0d6e2b1c7a90")]
    public void Another_spelling_of_a_uuid_names_the_request_and_is_rejected_in_words(string spelling)
    {
        var read = Read($$"""{"requestId":"{{spelling}}","request":{"model":"m","input":"Hi"} }""");

        Assert.Equal(Id, read.RequestId);
        var problem = Assert.Single(read.Problems);
        Assert.Equal("requestId", problem.Field);
        Assert.Contains("canonical 36-character form (3f2c8e4a-1b7d-4c9e-8a5f-0d6e2b1c7a90)", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_that_stops_being_json_still_gives_the_id_it_began_with()
    {
        var read = Read($$"""{"requestId":"{{Id}}","request":{"model":"m","input":"cut he""");

        Assert.Equal(Id, read.RequestId);
        Assert.Contains("is not valid JSON", Assert.Single(read.Problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_named_by_offset()
    {
        var head = Encoding.UTF8.GetBytes($$"""{"requestId":"{{Id}}","request":{"model":"m","input":"x""");
        var body = head.Concat(new byte[] { 0xC3, 0x28 }).Concat("\"}}"u8.ToArray()).ToArray();

        var read = UnreadRequest.Read(body, sentBare: true);

        Assert.Equal(Id, read.RequestId);
        Assert.Contains(read.Problems, p => p.Field == "message" && p.Message.Contains($"offset {head.Length}", StringComparison.Ordinal));
    }

    [Fact]
    public void No_request_id_anywhere_is_no_id()
    {
        Assert.Null(Read("""{"request":{"model":"m","input":"Hi"}}""").RequestId);
        Assert.Null(Read("""{"requestId":12345}""").RequestId);
        Assert.Null(UnreadRequest.Read([], sentBare: true).RequestId);
    }

    private static UnreadRequest Read(string json, bool bare = false) => UnreadRequest.Read(Encoding.UTF8.GetBytes(json), bare);
}
