using System.Text.Json;
using Messaging.Client;
using Messaging.Contracts;

namespace Messaging.Client.Tests;

/// <summary>What a consumer sees of one request through the assembler, whatever the bus delivered.</summary>
public class RequestStreamAssemblerTests
{
    private static readonly Guid RequestId = Guid.NewGuid();

    [Fact]
    public void Out_of_order_and_repeated_events_come_out_once_in_order_with_whole_steps()
    {
        var events = Run(attempt: null, ["Hel", "lo", " wor", "ld"], groups: [2, 1, 1]);
        var assembler = new RequestStreamAssembler(RequestId);
        var shown = new List<object>();
        foreach (var message in events.AsEnumerable().Reverse().Concat(events)) shown.AddRange(assembler.Add(message));

        Assert.Equal("Hello world", assembler.Text);
        Assert.Equal(["InteractionStarted", "StepStarted", "StepDelta", "StepDelta", "StepDelta", "StepCompleted", "InteractionCompleted"],
            shown.Select(m => m.GetType().Name));
        Assert.Equal(((InteractionCompleted)assembler.Final!).OutputText, assembler.Text);
        Assert.Equal(0, assembler.Waiting);
    }

    [Fact]
    public void A_replay_coalesced_differently_is_cut_to_what_is_new()
    {
        // The first worker published deltas 1..2 and 3; the one that took over replays from 3 on, coalesced as 3..4.
        var first = Run(attempt: null, ["Hel", "lo", " wor", "ld"], groups: [2, 1, 1]);
        var second = Run(attempt: null, ["Hel", "lo", " wor", "ld"], groups: [2, 2]);
        var assembler = new RequestStreamAssembler(RequestId);
        var deltas = new List<StepDelta>();
        foreach (var message in first.Take(4).Concat(second.Skip(2)))
            deltas.AddRange(assembler.Add(message).OfType<StepDelta>());

        Assert.Equal("Hello world", assembler.Text);
        Assert.Equal([(1L, 2L), (3L, 3L), (4L, 4L)], deltas.Select(d => (d.Sequence, d.LastSequence)));
        Assert.Equal("ld", deltas[^1].Text);
        Assert.Equal("ld", deltas[^1].Delta.GetProperty("text").GetString());
    }

    [Fact]
    public void A_new_attempt_voids_what_the_old_one_showed_and_the_old_ones_late_events_are_dropped()
    {
        var old = Run(attempt: null, ["Hel", "lo"], groups: [1, 1]);
        var current = Run(attempt: 2, ["Good", "bye"], groups: [1, 1]);
        var assembler = new RequestStreamAssembler(RequestId);
        var shown = new List<object>();
        foreach (var message in old.Take(3).Concat(current).Concat(old.Skip(3))) shown.AddRange(assembler.Add(message));

        Assert.Equal("Goodbye", assembler.Text);
        Assert.Equal(2, assembler.Attempt);
        var superseded = Assert.Single(shown.OfType<AttemptSuperseded>());
        Assert.Equal(2, superseded.Attempt);
        Assert.Equal("Goodbye", string.Concat(shown.SkipWhile(m => m is not AttemptSuperseded).OfType<StepDelta>().Select(d => d.Text)));
        Assert.Single(shown.OfType<InteractionCompleted>());
    }

    [Fact]
    public void Function_calls_and_status_changes_are_shown_once()
    {
        var assembler = new RequestStreamAssembler(RequestId);
        var call = new FunctionCallRequested { RequestId = RequestId, CallId = "c1", Name = "f" };
        var status = new InteractionStatusChanged { RequestId = RequestId, Status = "requires_action" };
        var shown = new[] { status, (object)call, status, call }.SelectMany(assembler.Add).ToList();
        Assert.Equal([status, (object)call], shown);
    }

    [Fact]
    public void A_rejected_reuse_of_the_requestId_is_shown_but_does_not_end_the_request()
    {
        var events = Run(attempt: null, ["Hi"], groups: [1]);
        var reuse = new InteractionRejected { RequestId = RequestId, Errors = [new ValidationProblem("requestId", "was already used for a different request")] };
        var assembler = new RequestStreamAssembler(RequestId);
        var shown = new[] { reuse }.Concat(events).SelectMany(assembler.Add).ToList();
        Assert.Same(reuse, shown[0]);
        Assert.IsType<InteractionCompleted>(assembler.Final);
        Assert.Equal("Hi", assembler.Text);
    }

    /// <summary>
    /// The events of a one-step request whose deltas carry <paramref name="texts"/>, published in messages of
    /// <paramref name="groups"/> deltas each (as the worker coalesces them).
    /// </summary>
    private static List<object> Run(int? attempt, string[] texts, int[] groups)
    {
        var events = new List<object>
        {
            new InteractionStarted { RequestId = RequestId, InteractionId = "v1_a", Attempt = attempt, Status = "in_progress" },
            new StepStarted { RequestId = RequestId, InteractionId = "v1_a", Index = 0, Attempt = attempt, AfterSequence = 0, Step = Json("""{"type":"model_output"}""") },
        };
        var sequence = 0;
        foreach (var size in groups)
        {
            var text = string.Concat(texts.Skip(sequence).Take(size));
            events.Add(new StepDelta
            {
                RequestId = RequestId, InteractionId = "v1_a", Index = 0, Sequence = sequence + 1, LastSequence = sequence + size, Attempt = attempt,
                Text = text, Delta = JsonSerializer.SerializeToElement(new { type = "text", text }),
            });
            sequence += size;
        }
        var all = string.Concat(texts);
        var step = JsonSerializer.SerializeToElement(new { type = "model_output", content = new[] { new { type = "text", text = all } } });
        events.Add(new StepCompleted { RequestId = RequestId, InteractionId = "v1_a", Index = 0, Attempt = attempt, AfterSequence = sequence, Step = step });
        events.Add(new InteractionCompleted
        {
            RequestId = RequestId, InteractionId = "v1_a", Status = "completed", OutputText = all,
            Steps = JsonSerializer.SerializeToElement(new[] { step }),
        });
        return events;
    }

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
