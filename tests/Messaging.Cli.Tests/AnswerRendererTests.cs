using System.Text.Json;
using Messaging.Cli.Rendering;
using Messaging.Contracts;
using Spectre.Console;

namespace Messaging.Cli.Tests;

/// <summary>The CLI prints what a consumer should see, whatever the bus delivered.</summary>
public class AnswerRendererTests
{
    private static readonly Guid RequestId = Guid.NewGuid();

    [Fact]
    public void A_resumed_stream_replayed_with_other_ranges_and_a_repeated_final_prints_the_answer_once()
    {
        var answer = new StringWriter();
        var notes = new StringWriter();
        var renderer = new AnswerRenderer(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(notes) }), answer,
            new DirectoryInfo(Path.GetTempPath()));
        // The first worker published deltas 1..2 and 3 and died; the one that took over replayed from 3 on as 3..4.
        var started = new InteractionStarted { RequestId = RequestId, InteractionId = "v1_a", Status = "in_progress" };
        var step = new StepStarted { RequestId = RequestId, InteractionId = "v1_a", Index = 0, AfterSequence = 0, Step = Json("""{"type":"model_output"}""") };
        var events = new object[]
        {
            started, step, Delta(1, 2, "Hello"), Delta(3, 3, " wor"),
            started, step, Delta(3, 4, " world"), Completed(), Final(), Final(),
        };
        foreach (var message in events) renderer.Render(message);

        Assert.Equal("Hello world" + Environment.NewLine, answer.ToString());
    }

    [Fact]
    public void Deltas_that_arrive_before_their_predecessors_wait_for_them()
    {
        var answer = new StringWriter();
        var renderer = new AnswerRenderer(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(new StringWriter()) }), answer,
            new DirectoryInfo(Path.GetTempPath()));
        foreach (var message in new object[]
        {
            Delta(3, 4, " world"), new StepStarted { RequestId = RequestId, InteractionId = "v1_a", Index = 0, AfterSequence = 0, Step = Json("""{"type":"model_output"}""") },
            Final(), Delta(1, 2, "Hello"), Completed(), new InteractionStarted { RequestId = RequestId, InteractionId = "v1_a", Status = "in_progress" },
        })
        {
            renderer.Render(message);
        }
        Assert.Equal("Hello world" + Environment.NewLine, answer.ToString());
    }

    private static StepDelta Delta(long first, long last, string text) => new()
    {
        RequestId = RequestId, InteractionId = "v1_a", Index = 0, Sequence = first, LastSequence = last, Text = text,
        Delta = JsonSerializer.SerializeToElement(new { type = "text", text }),
    };

    private static readonly JsonElement WholeStep = JsonSerializer.SerializeToElement(new { type = "model_output", content = new[] { new { type = "text", text = "Hello world" } } });

    private static StepCompleted Completed() => new() { RequestId = RequestId, InteractionId = "v1_a", Index = 0, AfterSequence = 4, Step = WholeStep };

    private static InteractionCompleted Final() => new()
    {
        RequestId = RequestId, InteractionId = "v1_a", Status = "completed", OutputText = "Hello world",
        Steps = JsonSerializer.SerializeToElement(new[] { WholeStep }),
    };

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
