using Messaging.Interactions.Models;

namespace Messaging.Interactions.Tests.Models;

public class OutputTextTests
{
    private static Interaction With(string stepsJson) => Interaction.Parse($$"""{"id":"i","status":"completed","steps":{{stepsJson}}}""");

    [Theory]
    [InlineData("""[{"type":"thought","signature":"s"},{"type":"model_output","content":[{"type":"text","text":"A"}]}]""", "A")]
    [InlineData("""[{"type":"model_output","content":[{"type":"text","text":"A"}]},{"type":"model_output","content":[{"type":"text","text":"B"}]}]""", "AB")]
    [InlineData("""[{"type":"model_output","content":[{"type":"text","text":"A"}]},{"type":"function_call","id":"c","name":"f","arguments":{}},{"type":"model_output","content":[{"type":"text","text":"B"}]}]""", "B")]
    [InlineData("""[{"type":"model_output","content":[{"type":"text","text":"A"},{"type":"image","data":"x"},{"type":"text","text":"B"}]}]""", "B")]
    [InlineData("""[{"type":"user_input","content":[{"type":"text","text":"Q"}]},{"type":"thought"},{"type":"model_output","content":[{"type":"text","text":"A"}]}]""", "A")]
    [InlineData("""[{"type":"model_output","content":[{"type":"text","text":"A"}]},{"type":"google_search_call","id":"s"}]""", "A")]
    public void Output_text_follows_the_sdk_rules(string steps, string expected) =>
        Assert.Equal(expected, With(steps).OutputText);

    [Theory]
    [InlineData("""[{"type":"function_call","id":"c","name":"f","arguments":{}}]""")]
    [InlineData("""[]""")]
    [InlineData("""[{"type":"model_output","content":[{"type":"text","text":"old"}]},{"type":"user_input","content":"new"}]""")]
    public void Output_text_is_absent_when_there_is_no_answer_text(string steps) =>
        Assert.Null(With(steps).OutputText);

    [Fact]
    public void Output_image_is_the_last_image_after_the_last_user_input()
    {
        var interaction = With("""
            [{"type":"model_output","content":[{"type":"image","data":"old"}]},
             {"type":"user_input","content":"draw"},
             {"type":"model_output","content":[{"type":"image","data":"first"},{"type":"text","text":"t"},{"type":"image","data":"last","mime_type":"image/png"}]}]
            """);

        Assert.Equal("last", interaction.OutputImage!.Data);
        Assert.Null(interaction.OutputAudio);
    }
}
