using System.Text;
using System.Text.Json.Nodes;
using Messaging.Emulator.Tests.Support;
using static Messaging.Emulator.Tests.Support.Interactions;

namespace Messaging.Emulator.Tests;

/// <summary>Seed section 8: the google_search tool and url_citation annotations.</summary>
public sealed class GoogleSearchTests
{
    [Fact]
    public async Task Adds_a_linked_search_call_and_result_before_the_answer()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var response = await emulator.CreateAsync(Search("Who won the euro 2024?"));

        response.ShouldBeOk();
        Assert.Equal(["thought", "google_search_call", "google_search_result", "model_output"], response.Steps.Select(s => (string)s!["type"]!));
        var call = response.Steps[1]!;
        var result = response.Steps[2]!;
        Assert.StartsWith("search_", (string)call["id"]!, StringComparison.Ordinal);
        Assert.Equal("Who won the euro 2024", (string?)call["arguments"]!["queries"]![0]);
        Assert.False(string.IsNullOrEmpty((string?)call["signature"]));
        Assert.Equal((string?)call["id"], (string?)result["call_id"]);
        Assert.StartsWith("<", (string)result["result"]![0]!["search_suggestions"]!, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty((string?)result["signature"]));
    }

    [Theory]
    [InlineData("Who won the euro 2024?")]
    [InlineData("من فاز ببطولة أمم أوروبا 2024؟")]
    [InlineData("Qui a gagné l’Euro 2024 — déjà vu?")]
    public async Task Url_citations_are_utf8_byte_offsets_that_point_at_real_text(string question)
    {
        await using var emulator = await TestEmulator.StartAsync();

        var response = await emulator.CreateAsync(Search(question));

        var block = response.Steps[^1]!["content"]![0]!;
        var bytes = Encoding.UTF8.GetBytes((string)block["text"]!);
        var annotations = block["annotations"]!.AsArray();
        Assert.NotEmpty(annotations);
        foreach (var annotation in annotations)
        {
            Assert.Equal("url_citation", (string?)annotation!["type"]);
            Assert.StartsWith("https://", (string)annotation["url"]!, StringComparison.Ordinal);
            var title = (string)annotation["title"]!;
            var start = (int)annotation["start_index"]!;
            var end = (int)annotation["end_index"]!;
            Assert.InRange(start, 0, end - 1);
            Assert.InRange(end, start + 1, bytes.Length);
            var cited = Encoding.UTF8.GetString(bytes, start, end - start);
            Assert.DoesNotContain('\uFFFD', cited);
            Assert.Contains(title, cited, StringComparison.Ordinal);
            Assert.EndsWith(".", cited, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_streamed_answer_carries_its_citations_in_a_text_annotation_delta()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var stream = await emulator.StreamAsync(Search("Who won the euro 2024?"));

        var events = await stream.ReadAllAsync();
        var merged = StepMerger.Merge(events);

        Assert.Contains(events, e => e.EventType == "step.delta" && (string?)e.Data!["delta"]!["type"] == "text_annotation_delta");
        Assert.Equal(2, merged[^1]!["content"]![0]!["annotations"]!.AsArray().Count);
    }

    private static JsonObject Search(string question)
    {
        var body = Ask(question);
        body["tools"] = new JsonArray(new JsonObject { ["type"] = "google_search" });
        return body;
    }
}
