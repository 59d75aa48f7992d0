using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Messaging.Emulator.Tests.Support;

/// <summary>A buffered HTTP answer with its JSON body parsed on demand.</summary>
internal sealed record ApiResponse(int Status, string Body, string? ContentType, HttpResponseHeaders Headers)
{
    public JsonObject Object => JsonNode.Parse(Body)!.AsObject();

    public JsonArray Steps => Object["steps"]!.AsArray();

    public string Id => (string)Object["id"]!;

    public string ErrorStatus => (string)Object["error"]!["status"]!;

    public string ErrorMessage => (string)Object["error"]!["message"]!;

    /// <summary>The text of the last model_output's text blocks, as the SDK's output_text reads it.</summary>
    public string OutputText => Interactions.OutputText(Steps);

    public void ShouldBeOk()
    {
        if (Status != 200)
        {
            Assert.Fail($"Expected 200, got {Status}: {Body}");
        }
    }

    /// <summary>An error in Google's shape; its <c>details</c> are empty unless <paramref name="withDetails"/> (a quota's 429).</summary>
    public void ShouldBeError(int status, string errorStatus, bool withDetails = false)
    {
        Assert.True(Status == status, $"Expected {status}, got {Status}: {Body}");
        Assert.StartsWith("application/json", ContentType, StringComparison.Ordinal);
        Assert.Equal(status, (int)Object["error"]!["code"]!);
        Assert.Equal(errorStatus, ErrorStatus);
        Assert.NotEmpty(ErrorMessage);
        Assert.Equal(withDetails, Object["error"]!["details"]!.AsArray().Count > 0);
    }
}
