using System.Text;
using System.Text.Json;
using Messaging.Client.Chat;
using Microsoft.Extensions.AI;

namespace Messaging.Client.Tests;

/// <summary>
/// The API's steps as Microsoft.Extensions.AI contents (<see cref="StepContents"/>), and back into a resent history
/// (<see cref="ChatRequests"/>): searches, citations, code execution and media get their own content types, and each
/// goes back as the API gave it.
/// </summary>
public class StepContentsTests
{
    [Fact]
    public void A_citation_counts_characters_of_the_response_not_bytes_of_its_block()
    {
        // "“é”" is 3 characters and 8 UTF-8 bytes: the API's indexes are bytes within the block.
        const string text = "Intro “é” cited. Second sentence.";
        var cut = Encoding.UTF8.GetByteCount("Intro “é” cited.");
        var step = Json($$"""
            {"type":"model_output","content":[
              {"type":"text","text":"{{text}}","annotations":[
                {"type":"url_citation","url":"https://example.com/a","title":"example.com","start_index":0,"end_index":{{cut}}},
                {"type":"place_citation","name":"Cairo Tower","place_id":"places/abc","url":"https://maps.example/p","start_index":{{cut + 1}},"end_index":{{Encoding.UTF8.GetByteCount(text)}}}]}]}
            """);

        var contents = StepContents.Of(step, textStart: 10);

        var annotations = Assert.Single(contents).Annotations!;
        var first = Assert.IsType<CitationAnnotation>(annotations[0]);
        Assert.Equal("example.com", first.Title);
        Assert.Equal(new Uri("https://example.com/a"), first.Url);
        var region = Assert.IsType<TextSpanAnnotatedRegion>(Assert.Single(first.AnnotatedRegions!));
        Assert.Equal((10, 10 + "Intro “é” cited.".Length), (region.StartIndex, region.EndIndex));
        var place = Assert.IsType<CitationAnnotation>(annotations[1]);
        Assert.Equal(("Cairo Tower", "places/abc"), (place.Title, place.FileId));
        Assert.Equal(10 + text.Length, ((TextSpanAnnotatedRegion)place.AnnotatedRegions![0]).EndIndex);
    }

    [Fact]
    public void Search_and_code_execution_steps_get_their_tool_contents_and_keep_the_step()
    {
        var search = StepContents.Of(Json("""{"type":"google_search_call","id":"s1","arguments":{"queries":["nile length"]},"signature":"sig-1"}"""), 0);
        var found = StepContents.Of(Json("""{"type":"google_search_result","call_id":"s1","result":[{"search_suggestions":"<div>chips</div>"}],"signature":"sig-2"}"""), 0);
        var code = StepContents.Of(Json("""{"type":"code_execution_call","id":"c1","arguments":{"language":"python","code":"print(1)"}}"""), 0);
        var ran = StepContents.Of(Json("""{"type":"code_execution_result","call_id":"c1","result":"1\n"}"""), 0);
        var other = StepContents.Of(Json("""{"type":"url_context_call","id":"u1","arguments":{"urls":["https://example.com"]}}"""), 0);

        var call = Assert.IsType<WebSearchToolCallContent>(Assert.Single(search));
        Assert.Equal(("s1", "nile length"), (call.CallId, Assert.Single(call.Queries!)));
        var result = Assert.IsType<WebSearchToolResultContent>(Assert.Single(found));
        var widget = Assert.IsType<DataContent>(Assert.Single(result.Outputs!));
        Assert.Equal(("s1", "text/html", "<div>chips</div>"), (result.CallId, widget.MediaType, Encoding.UTF8.GetString(widget.Data.Span)));
        var script = Assert.IsType<CodeInterpreterToolCallContent>(Assert.Single(code));
        Assert.Equal("print(1)", Encoding.UTF8.GetString(Assert.IsType<DataContent>(Assert.Single(script.Inputs!)).Data.Span));
        Assert.Equal("1\n", Assert.IsType<TextContent>(Assert.Single(Assert.IsType<CodeInterpreterToolResultContent>(Assert.Single(ran)).Outputs!)).Text);
        Assert.Equal(typeof(AIContent), Assert.Single(other).GetType());

        // Resent, each is the step again, signature included.
        var steps = ChatRequests.Steps([new ChatMessage(ChatRole.Assistant, [.. search, .. found, .. code, .. ran, .. other])]);
        Assert.Equal(["google_search_call", "google_search_result", "code_execution_call", "code_execution_result", "url_context_call"],
            steps.Select(s => (string?)s!["type"]));
        Assert.Equal("sig-2", (string?)steps[1]!["signature"]);
    }

    [Fact]
    public void A_generated_image_is_data_content_and_goes_back_inside_a_model_output()
    {
        var png = Convert.ToBase64String([0x89, 0x50, 0x4E, 0x47]);
        var step = Json($$"""{"type":"model_output","content":[{"type":"image","mime_type":"image/png","data":"{{png}}"},{"type":"image","mime_type":"image/jpeg","uri":"https://files.example/cat.jpg"}]}""");

        var contents = StepContents.Of(step, 0);

        var image = Assert.IsType<DataContent>(contents[0]);
        Assert.Equal("image/png", image.MediaType);
        Assert.Equal(new Uri("https://files.example/cat.jpg"), Assert.IsType<UriContent>(contents[1]).Uri);
        var steps = ChatRequests.Steps([new ChatMessage(ChatRole.Assistant, [new TextContent("Here it is."), .. contents])]);
        var output = Assert.Single(steps)!;
        Assert.Equal("model_output", (string?)output["type"]);
        Assert.Equal(["text", "image", "image"], output["content"]!.AsArray().Select(b => (string?)b!["type"]));
        Assert.Equal(png, (string?)output["content"]![1]!["data"]);
    }

    [Fact]
    public void Hosted_web_search_and_code_interpreter_tools_are_the_apis_own()
    {
        var body = ChatRequests.Settings(new ChatOptions { Tools = [new HostedWebSearchTool(), new HostedCodeInterpreterTool()] });

        Assert.Equal(["google_search", "code_execution"], body["tools"]!.AsArray().Select(t => (string?)t!["type"]));
    }

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;
}
