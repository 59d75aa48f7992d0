using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Messaging.Contracts;
using Messaging.Interactions;
using Messaging.Testing;

namespace Messaging.Worker.Tests.Support;

/// <summary>What every streamed request must satisfy, whatever the feature.</summary>
internal static class StreamAssert
{
    /// <summary>
    /// Started first and the final event last; each step's StepStarted, deltas and StepCompleted in that order;
    /// delta sequence ranges covering 1..n without gaps or overlaps, each with its SSE event id (but text read from the
    /// finished interaction after the stream broke for good, which has none); the final event's steps are the
    /// StepCompleted steps; and for completions the streamed text equals outputText.
    /// </summary>
    public static void WellFormed(RequestEvents events)
    {
        var all = events.All.Where(m => m is not FunctionCallRequested).ToList();
        Assert.IsType<InteractionStarted>(all[0]);
        Assert.Single(all.OfType<InteractionStarted>());
        var final = all[^1];
        Assert.True(final is InteractionCompleted or InteractionRequiresAction or InteractionFailed or InteractionCancelled,
            $"last event is {final.GetType().Name}: {events.Describe()}");

        var deltas = events.Of<StepDelta>();
        GaplessRanges(deltas);
        var streamed = deltas.Where(d => d.EventId is not null).ToList();
        Assert.All(deltas.Where(d => d.EventId is null), d => Assert.NotNull(d.Text));
        Assert.Equal(streamed.Count, streamed.Select(d => (d.InteractionId, d.EventId)).Distinct().Count());

        var position = all.Select((m, i) => (m, i)).ToList();
        foreach (var completed in events.Of<StepCompleted>())
        {
            var started = position.Single(p => p.m is StepStarted s && s.Index == completed.Index).i;
            var done = position.Single(p => p.m is StepCompleted c && c.Index == completed.Index).i;
            Assert.True(started < done);
            Assert.All(position.Where(p => p.m is StepDelta d && d.Index == completed.Index), p => Assert.InRange(p.i, started + 1, done - 1));
        }

        var stepsOfFinal = final switch
        {
            InteractionCompleted c => c.Steps,
            InteractionRequiresAction r => r.Steps,
            _ => default,
        };
        if (stepsOfFinal.ValueKind == JsonValueKind.Array)
        {
            var completedSteps = events.Of<StepCompleted>().OrderBy(s => s.Index).Select(s => s.Step).ToList();
            Assert.Equal(completedSteps.Count, stepsOfFinal.GetArrayLength());
            for (var i = 0; i < completedSteps.Count; i++) AssertJsonEqual(stepsOfFinal[i], completedSteps[i]);
        }

        if (final is InteractionCompleted completion) Assert.Equal(completion.OutputText ?? "", StreamedText(events));
    }

    /// <summary>
    /// The deltas' ranges, in arrival order, tile 1..n: the first starts at 1, each starts right after the previous
    /// one's lastSequence, and none is empty. Returns n, the number of API deltas carried.
    /// </summary>
    public static long GaplessRanges(IReadOnlyList<StepDelta> deltas)
    {
        long next = 1;
        foreach (var d in deltas)
        {
            Assert.True(d.Sequence == next, $"delta {d.Sequence}..{d.LastSequence} arrived where {next} was due");
            Assert.True(d.LastSequence >= d.Sequence, $"empty range {d.Sequence}..{d.LastSequence}");
            next = d.LastSequence + 1;
        }
        return next - 1;
    }

    /// <summary>The text of the model_output steps as it streamed: text already in step.start, then every text delta.</summary>
    public static string StreamedText(RequestEvents events)
    {
        var outputIndexes = events.Of<StepStarted>().Where(s => s.Step.GetProperty("type").GetString() == "model_output").Select(s => s.Index).ToHashSet();
        var text = new StringBuilder();
        foreach (var message in events.All)
        {
            if (message is StepStarted started && outputIndexes.Contains(started.Index) && started.Step.TryGetProperty("content", out var content))
            {
                foreach (var block in content.EnumerateArray())
                {
                    if (block.GetProperty("type").GetString() == "text") text.Append(block.GetProperty("text").GetString());
                }
            }
            if (message is StepDelta delta && outputIndexes.Contains(delta.Index) && delta.Text is { } t) text.Append(t);
        }
        return text.ToString();
    }

    /// <summary>Every StepCompleted step equals, member for member, the generated step a GET of its interaction returns.</summary>
    public static async Task StepsEqualGetAsync(RequestEvents events, IInteractionsClient api, CancellationToken cancellationToken)
    {
        var byInteraction = events.Of<StepCompleted>().GroupBy(s => s.InteractionId);
        var compared = 0;
        foreach (var group in byInteraction)
        {
            var fetched = await api.GetAsync(group.Key, cancellationToken: cancellationToken);
            var generated = fetched.Steps.SkipWhile(s => s.Type is "user_input" or "function_result").ToList();
            var streamed = group.OrderBy(s => s.Index).ToList();
            Assert.Equal(generated.Count, streamed.Count);
            for (var i = 0; i < generated.Count; i++)
            {
                AssertJsonEqual(JsonDocument.Parse(generated[i].ToJson()).RootElement, streamed[i].Step);
                compared++;
            }
        }
        Assert.True(compared > 0, "no StepCompleted to compare");
    }

    public static void AssertJsonEqual(JsonElement expected, JsonElement actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected.GetRawText()), JsonNode.Parse(actual.GetRawText())),
            $"expected {expected.GetRawText()}\n  actual {actual.GetRawText()}");
}
