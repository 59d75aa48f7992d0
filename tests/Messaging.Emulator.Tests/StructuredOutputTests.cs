using System.Text.Json.Nodes;
using Messaging.Emulator.Tests.Support;
using NJsonSchema;
using static Messaging.Emulator.Tests.Support.Interactions;

namespace Messaging.Emulator.Tests;

/// <summary>Seed section 7: structured output, checked against each schema with NJsonSchema.</summary>
public sealed class StructuredOutputTests
{
    private const string Recipe = """
        {"type":"object","properties":{"recipe_name":{"type":"string","description":"Name of the recipe."},
         "ingredients":{"type":"array","items":{"type":"string"},"description":"List of ingredients."},
         "prep_time_minutes":{"type":"integer","description":"Prep time in minutes."}},
         "required":["recipe_name","ingredients"]}
        """;

    private const string ArrayWithBounds = """
        {"type":"array","minItems":5,"maxItems":7,"items":{"type":"object","properties":{"title":{"type":"string"},"year":{"type":"integer","minimum":1900,"maximum":2030}},"required":["title","year"]}}
        """;

    private const string Enums = """
        {"type":"object","properties":{"sentiment":{"type":"string","enum":["positive","neutral","negative"]},"stars":{"type":"integer","enum":[1,2,3,4,5]}},"required":["sentiment","stars"]}
        """;

    private const string NestedWithRefs = """
        {"type":"object","$defs":{"Address":{"type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"},"postcode":{"type":"string","minLength":5,"maxLength":8}},"required":["street","city","postcode"]}},
         "properties":{"name":{"type":"string"},"home":{"$ref":"#/$defs/Address"},"offices":{"type":"array","items":{"$ref":"#/$defs/Address"},"minItems":1,"maxItems":2},
          "contact":{"type":"object","properties":{"email":{"type":"string","format":"email"},"website":{"type":"string","format":"uri"},"since":{"type":"string","format":"date-time"}},"required":["email","website","since"]}},
         "required":["name","home","offices","contact"],"additionalProperties":false}
        """;

    private const string Numbers = """
        {"type":"object","properties":{"ratio":{"type":"number","minimum":0,"maximum":1},"score":{"type":"integer","exclusiveMinimum":10,"exclusiveMaximum":20},"even":{"type":"integer","multipleOf":2,"minimum":7},"flag":{"type":"boolean"},"nothing":{"type":"null"}},"required":["ratio","score","even","flag","nothing"]}
        """;

    private const string Unions = """
        {"type":"object","properties":{"value":{"anyOf":[{"type":"integer","minimum":3},{"type":"null"}]},"shape":{"oneOf":[{"type":"object","properties":{"radius":{"type":"number","minimum":1}},"required":["radius"]},{"type":"string"}]},"nullable":{"type":["string","null"]},"tags":{"type":"array","items":{"type":"string"},"uniqueItems":true,"minItems":4}},"required":["value","shape","nullable","tags"]}
        """;

    [Theory]
    [InlineData(Recipe)]
    [InlineData(ArrayWithBounds)]
    [InlineData(Enums)]
    [InlineData(NestedWithRefs)]
    [InlineData(Numbers)]
    [InlineData(Unions)]
    public async Task The_output_text_is_json_that_conforms_to_the_schema(string schemaJson)
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Ask("Give me a recipe for banana bread");
        body["response_format"] = JsonFormat(schemaJson);

        var response = await emulator.CreateAsync(body);

        response.ShouldBeOk();
        var schema = await JsonSchema.FromJsonAsync(schemaJson, TestEmulator.Ct);
        var errors = schema.Validate(response.OutputText);
        Assert.True(errors.Count == 0, $"{string.Join("; ", errors.Select(e => e.ToString()))}\n{response.OutputText}");
    }

    [Fact]
    public async Task Fills_every_property_required_and_optional_with_words_of_the_prompt()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Ask("Give me a recipe for banana bread");
        body["response_format"] = JsonFormat(Recipe);

        var recipe = JsonNode.Parse((await emulator.CreateAsync(body)).OutputText)!;

        Assert.Contains("Banana Bread", (string)recipe["recipe_name"]!, StringComparison.Ordinal);
        Assert.NotEmpty(recipe["ingredients"]!.AsArray());
        Assert.NotNull(recipe["prep_time_minutes"]);
    }

    [Fact]
    public async Task Respects_min_and_max_items()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Ask("List films");
        body["response_format"] = JsonFormat(ArrayWithBounds);

        var films = JsonNode.Parse((await emulator.CreateAsync(body)).OutputText)!.AsArray();

        Assert.InRange(films.Count, 5, 7);
    }

    [Fact]
    public async Task Picks_the_enum_member_the_prompt_mentions()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Ask("The review was negative, rate it");
        body["response_format"] = JsonFormat(Enums);

        var review = JsonNode.Parse((await emulator.CreateAsync(body)).OutputText)!;

        Assert.Equal("negative", (string?)review["sentiment"]);
    }

    [Fact]
    public async Task Accepts_a_list_of_response_formats()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Ask("Give me a recipe for banana bread");
        body["response_format"] = new JsonArray(JsonFormat(Recipe));

        var response = await emulator.CreateAsync(body);

        var errors = (await JsonSchema.FromJsonAsync(Recipe, TestEmulator.Ct)).Validate(response.OutputText);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Json_without_a_schema_is_still_json()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Ask("Describe tides");
        body["response_format"] = new JsonObject { ["type"] = "text", ["mime_type"] = "application/json" };

        var text = (await emulator.CreateAsync(body)).OutputText;

        Assert.IsType<JsonObject>(JsonNode.Parse(text));
    }

    [Fact]
    public async Task A_streamed_structured_answer_concatenates_to_the_same_json()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Ask("Give me a recipe for banana bread");
        body["response_format"] = JsonFormat(Recipe);
        var unary = (await emulator.CreateAsync(body.DeepClone().AsObject())).OutputText;
        await using var stream = await emulator.StreamAsync(body);

        var events = await stream.ReadAllAsync();
        var streamed = string.Concat(events.Where(e => e.EventType == "step.delta" && (string?)e.Data!["delta"]!["type"] == "text")
            .Select(e => (string)e.Data!["delta"]!["text"]!));

        Assert.Equal(unary, streamed);
    }

    [Theory]
    [InlineData("""{"type":"text","mime_type":"text/plain","schema":{"type":"object"}}""", "schema")]
    [InlineData("""{"type":"text","mime_type":"application/xml"}""", "mime_type")]
    [InlineData("""{"type":"spreadsheet"}""", "type")]
    [InlineData("""{"type":"text","mime_type":"application/json","schema":{"type":"object","properties":{"a":{"$ref":"#/$defs/Missing"}}}}""", "$ref")]
    [InlineData("""{"type":"text","mime_type":"application/json","schema":{"type":"objekt"}}""", "objekt")]
    [InlineData("""{"type":"image","aspect_ratio":"7:5"}""", "aspect_ratio")]
    public async Task Rejects_an_invalid_response_format_naming_the_field(string format, string named)
    {
        await using var emulator = await TestEmulator.StartAsync();
        var body = Ask("hi");
        body["response_format"] = JsonNode.Parse(format);

        var response = await emulator.CreateAsync(body);

        response.ShouldBeError(400, "INVALID_ARGUMENT");
        Assert.Contains(named, response.ErrorMessage, StringComparison.Ordinal);
    }

    private static JsonObject JsonFormat(string schema) => new()
    {
        ["type"] = "text",
        ["mime_type"] = "application/json",
        ["schema"] = JsonNode.Parse(schema),
    };
}
