using System.Text;
using Messaging.Interactions.Models;
using Messaging.Interactions.Streaming;
using Messaging.Interactions.Tests.Support;

namespace Messaging.Interactions.Tests.Client;

/// <summary>Responses captured raw from the emulator parse into the models and serialise back byte for byte.</summary>
public class CapturedResponseRoundTripTests(EmulatorFixture fixture) : IClassFixture<EmulatorFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Bodies() => new(
        """{"model":"gemini-3.5-flash","input":"Explain how AI works"}""",
        """{"model":"gemini-3.5-flash","input":"Who won the euro 2024? Zürich ≈ 東京","tools":[{"type":"google_search"}]}""",
        """{"model":"gemini-3.1-flash-image","input":"A skyline"}""",
        """{"model":"gemini-3.5-flash","input":"Weather in London?","tools":[{"type":"function","name":"get_weather","parameters":{"type":"object","properties":{"location":{"type":"string"},"days":{"type":"integer"}},"required":["location"]}},{"type":"function","name":"get_time","parameters":{"type":"object","properties":{"zone":{"type":"string","enum":["UTC","CET"]}}}}]}""",
        """{"agent":"antigravity-preview-05-2026","input":"Write a script","environment":"remote"}""");

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task Unary_and_streamed_responses_round_trip(string body)
    {
        using var http = new HttpClient { BaseAddress = fixture.Emulator.BaseAddress };

        using var unary = await http.PostAsync("/v1beta/interactions", new StringContent(body, Encoding.UTF8, "application/json"), Ct);
        var raw = await unary.Content.ReadAsStringAsync(Ct);
        var interaction = Interaction.Parse(raw);
        Assert.Equal(JsonText.Minify(raw), interaction.ToJson());

        using var fetched = await http.GetAsync($"/v1beta/interactions/{interaction.Id}?stream=false", Ct);
        var rawGet = await fetched.Content.ReadAsStringAsync(Ct);
        Assert.Equal(JsonText.Minify(rawGet), Interaction.Parse(rawGet).ToJson());

        var streamBody = body[..^1] + ",\"stream\":true}";
        using var streamed = await http.PostAsync("/v1beta/interactions", new StringContent(streamBody, Encoding.UTF8, "application/json"), Ct);
        var sse = await streamed.Content.ReadAsStringAsync(Ct);
        var dataLines = sse.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l[6..]).ToList();
        Assert.NotEmpty(dataLines);
        foreach (var data in dataLines) Assert.Equal(JsonText.Minify(data), InteractionEvent.Parse(data).ToJson());
    }
}
