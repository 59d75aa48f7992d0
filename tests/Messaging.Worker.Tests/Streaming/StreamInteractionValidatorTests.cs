using System.Text.Json;
using Messaging.Worker.Infrastructure;
using Messaging.Worker.Streaming;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Tests.Streaming;

/// <summary>The validator accepts every input form the API accepts (the integration tests cover what it rejects).</summary>
public sealed class StreamInteractionValidatorTests
{
    private readonly StreamInteractionValidator _validator = new(Options.Create(new WorkerOptions()));

    [Theory]
    [InlineData("""{"model":"gemini-3.5-flash","input":"Hello"}""")]
    [InlineData("""{"agent":"antigravity-preview-05-2026","environment":"remote","input":"Hello"}""")]
    [InlineData("""{"model":"gemini-3.5-flash","input":{"type":"text","text":"Hello"}}""")]
    [InlineData("""{"model":"gemini-3.5-flash","input":[{"type":"text","text":"Hi"},{"type":"document","uri":"gs://b/f.pdf","mime_type":"application/pdf"}]}""")]
    [InlineData("""{"model":"gemini-3.5-flash","previous_interaction_id":"v1_abc","input":[{"type":"function_result","call_id":"c1","name":"f","result":"22"}]}""")]
    [InlineData("""{"model":"gemini-3.5-flash","store":false,"input":[{"type":"user_input","content":"Hi"},{"type":"thought","signature":"x"},{"type":"model_output","content":[{"type":"text","text":"Hello"}]},{"type":"google_search_call","id":"s"},{"type":"user_input","content":[{"type":"text","text":"More"}]}]}""")]
    [InlineData("""{"model":"gemini-3.5-flash","previous_interaction_id":"v1_abc","continuation_token":"tok"}""")]
    [InlineData("""{"model":"gemini-3.5-flash","input":"Hello","an_api_field_from_tomorrow":{"anything":true}}""")]
    public void Accepts_every_input_form_the_api_accepts(string request)
    {
        var command = new StreamInteraction(Guid.NewGuid(), null, null, JsonDocument.Parse(request).RootElement.Clone());

        var result = _validator.Validate(command);

        Assert.True(result.IsValid, string.Join("; ", result.Errors.Select(e => $"{e.PropertyName}: {e.ErrorMessage}")));
    }

    [Fact]
    public void A_missing_request_is_reported_as_required()
    {
        var result = _validator.Validate(new StreamInteraction(Guid.NewGuid(), null, null, default));

        var error = Assert.Single(result.Errors);
        Assert.Equal("request", error.PropertyName);
        Assert.StartsWith("is required", error.ErrorMessage, StringComparison.Ordinal);
    }
}
