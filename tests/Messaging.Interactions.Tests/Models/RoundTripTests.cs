using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Interactions.Json;
using Messaging.Interactions.Models;
using Messaging.Interactions.Models.Contents;
using Messaging.Interactions.Models.Steps;
using Messaging.Interactions.Tests.Support;

namespace Messaging.Interactions.Tests.Models;

public class RoundTripTests
{
    public static TheoryData<string> InteractionFixtures() => new(JsonText.FixtureNames("*.json").Where(n => !n.Contains("expected", StringComparison.Ordinal)));

    [Theory]
    [MemberData(nameof(InteractionFixtures))]
    public void An_interaction_fixture_serialises_back_byte_for_byte(string fixture)
    {
        var text = JsonText.ReadFixture(fixture);

        var interaction = Interaction.Parse(text);

        Assert.Equal(JsonText.Minify(text), interaction.ToJson());
    }

    [Theory]
    [MemberData(nameof(InteractionFixtures))]
    public void Every_step_of_a_fixture_serialises_back_byte_for_byte_on_its_own(string fixture)
    {
        using var document = JsonDocument.Parse(JsonText.ReadFixture(fixture));
        if (!document.RootElement.TryGetProperty("steps", out var steps)) return;

        foreach (var element in steps.EnumerateArray())
        {
            var raw = JsonText.Minify(element.GetRawText());
            Assert.Equal(raw, Step.Parse(raw).ToJson());
        }
    }

    [Fact]
    public void Steps_keep_unknown_types_and_members_through_a_serializer_round_trip()
    {
        var interaction = Interaction.Parse(JsonText.ReadFixture("reference-every-step.json"));
        var future = interaction.Steps.Single(s => s.Type == "holodeck_session");

        var viaSerializer = JsonSerializer.Serialize(future, InteractionsJson.SerializerOptions);
        var back = JsonSerializer.Deserialize<Step>(viaSerializer, InteractionsJson.SerializerOptions)!;

        Assert.Equal("""{"type":"holodeck_session","id":"hs_1","future_field":{"nested":[1,2.50,-0.0,"x"],"flag":true},"signature":"Zm9v"}""", viaSerializer);
        Assert.Equal(viaSerializer, back.ToJson());
        Assert.IsNotType<ThoughtStep>(back);
    }

    [Fact]
    public void Typed_views_read_every_step_type_of_the_reference()
    {
        var steps = Interaction.Parse(JsonText.ReadFixture("reference-every-step.json")).Steps;

        Assert.Collection(steps,
            s => Assert.Equal(5, Assert.IsType<UserInputStep>(s).Content.Count),
            s => Assert.Equal("EvEFCu4FAQw+/abc==", Assert.IsType<ThoughtStep>(s).Signature),
            s => Assert.Equal(["Zürich hotels", "Zürich museums"], Assert.IsType<GoogleSearchCallStep>(s).Queries),
            s => Assert.Equal("search_001", Assert.IsType<GoogleSearchResultStep>(s).CallId),
            s => Assert.Equal("python", Assert.IsType<CodeExecutionCallStep>(s).Arguments!["language"]!.GetValue<string>()),
            s => Assert.Equal("250.0\n", Assert.IsType<CodeExecutionResultStep>(s).Result!.GetValue<string>()),
            s => Assert.Equal("url_1", Assert.IsType<UrlContextCallStep>(s).Id),
            s => Assert.Equal("url_1", Assert.IsType<UrlContextResultStep>(s).CallId),
            s => Assert.Equal("maps_1", Assert.IsType<GoogleMapsCallStep>(s).Id),
            s => Assert.Equal("maps_1", Assert.IsType<GoogleMapsResultStep>(s).CallId),
            s => Assert.Equal("fs_1", Assert.IsType<FileSearchCallStep>(s).Id),
            s => Assert.Equal("fss", Assert.IsType<FileSearchResultStep>(s).Signature),
            s => Assert.Equal("rag_store", Assert.IsType<RetrievalCallStep>(s).RetrievalType),
            s => Assert.False(Assert.IsType<RetrievalResultStep>(s).IsError),
            s => Assert.Equal("wx", Assert.IsType<McpServerToolCallStep>(s).ServerName),
            s => Assert.Equal("weather", Assert.IsType<McpServerToolResultStep>(s).Name),
            s => Assert.Equal("proc_1", Assert.IsType<ProcessingCallStep>(s).Id),
            s => Assert.Equal("proc_1", Assert.IsType<ProcessingResultStep>(s).CallId),
            s =>
            {
                var call = Assert.IsType<FunctionCallStep>(s);
                Assert.Equal(("call_abc123", "get_rates"), (call.Id, call.Name));
                Assert.Equal("500.00", call.Arguments!["amount"]!.ToJsonString());
            },
            s => Assert.Equal("call_abc123", Assert.IsType<FunctionResultStep>(s).CallId),
            s => Assert.Equal("holodeck_session", Assert.IsType<Step>(s).Type),
            s =>
            {
                var output = Assert.IsType<ModelOutputStep>(s);
                var text = Assert.IsType<TextContent>(output.Content[0]);
                Assert.Collection(text.Annotations,
                    a => Assert.Equal("zuerich.com", Assert.IsType<UrlCitation>(a).Title),
                    a => Assert.Equal("places/ChIJ9", Assert.IsType<PlaceCitation>(a).PlaceId),
                    a => Assert.Equal(3, Assert.IsType<FileCitation>(a).PageNumber),
                    a => Assert.Equal("calm", Assert.IsType<SpeechMetadata>(a).Style),
                    a => Assert.Equal("Stay", Assert.IsType<WordInfo>(a).Text),
                    a => Assert.Equal("sparkle_annotation", a.Type));
                Assert.IsType<ImageContent>(output.Content[1]);
                Assert.Equal("hologram", output.Content[2].Type);
                Assert.NotNull(output.Error);
            });
    }

    [Fact]
    public void User_input_content_given_as_a_string_reads_as_one_text_block_and_stays_a_string()
    {
        const string json = """{"type":"user_input","content":"I have 2 dogs in my house."}""";

        var step = Assert.IsType<UserInputStep>(Step.Parse(json));

        Assert.Equal("I have 2 dogs in my house.", Assert.IsType<TextContent>(Assert.Single(step.Content)).Text);
        Assert.Equal(json, step.ToJson());
    }

    [Fact]
    public void Unknown_statuses_parse_and_keep_their_value()
    {
        var interaction = Interaction.Parse("""{"id":"x","status":"paused_for_tea"}""");

        Assert.Equal("paused_for_tea", interaction.Status.Value);
        Assert.False(interaction.Status.IsFinal);
    }

    [Fact]
    public void A_new_request_keeps_member_order_and_unknown_members()
    {
        var request = CreateInteractionRequest.Parse("""{"model":"m","input":"hi","future_option":{"x":1}}""");
        request.Store = false;
        request.Labels = new JsonObject { ["team"] = "a" };

        Assert.Equal("""{"model":"m","input":"hi","future_option":{"x":1},"store":false,"labels":{"team":"a"}}""", request.ToJson());
    }
}
