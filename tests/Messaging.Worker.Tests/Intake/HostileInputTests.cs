using System.Globalization;
using Messaging.Contracts;
using Messaging.Worker.Tests.Faults;
using Messaging.Worker.Tests.Support;

namespace Messaging.Worker.Tests.Intake;

/// <summary>
/// A fuzz run over the real broker: hundreds of generated hostile messages (seeded: set <c>HOSTILE_SEED</c> to replay
/// one) published as a publisher in any language could. Every message that names a requestId is answered; a sound
/// request is served and never also rejected; no message makes more than one fault; the replicas still serve after.
/// </summary>
[Trait("Category", "Fault")]
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
[Collection(FaultTests.Name)] // alone: in parallel with the other suites on two cores, answers took minutes
public sealed class HostileInputTests(HostileInputRig rig, ITestOutputHelper output) : IClassFixture<HostileInputRig>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(300);

    [Theory]
    [InlineData(20261201)]
    public async Task Every_hostile_message_with_a_readable_request_id_is_answered_once_and_faults_at_most_once(int defaultSeed)
    {
        var ct = TestContext.Current.CancellationToken;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("HOSTILE_SEED"), CultureInfo.InvariantCulture, out var s) ? s : defaultSeed;
        var messages = new HostileMessages(seed).Generate(megabyteStrings: 4);
        Assert.True(messages.Count >= 300, $"{messages.Count} messages");

        await using (var channel = await rig.ChannelAsync())
            foreach (var message in messages) await rig.PublishAsync(channel, message);

        var readable = messages.Where(m => m.ReadableId is not null).ToList();
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline && readable.Any(m => rig.Answers.Of(m.ReadableId!.Value).Count == 0)) await Task.Delay(200, ct);
        await Task.Delay(TimeSpan.FromSeconds(3), ct); // a second answer or a late fault would come now

        var unanswered = readable.Where(m => rig.Answers.Of(m.ReadableId!.Value).Count == 0).ToList();
        var twice = readable.Where(m => rig.Answers.Of(m.ReadableId!.Value).Count > 1).ToList();
        var rejectedSound = messages.Where(m => m.Sound && rig.Answers.Of(m.ReadableId!.Value).Any(a => a is InteractionRejected)).ToList();
        var faults = messages.ToDictionary(m => m.MessageId, m => rig.Answers.FaultsByMessage.GetValueOrDefault(m.MessageId));
        var faultedTwice = messages.Where(m => faults[m.MessageId] > 1).ToList();

        output.WriteLine($"seed {seed}: {messages.Count} messages, {readable.Count} with a readable requestId, {messages.Count - readable.Count} without");
        foreach (var kind in messages.GroupBy(m => m.Kind).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var answers = kind.Where(m => m.ReadableId is not null).Select(m => rig.Answers.Of(m.ReadableId!.Value)).ToList();
            output.WriteLine($"  {kind.Key}: {kind.Count()} sent, {answers.Count(a => a.Any(x => x is InteractionRejected))} rejected, "
                + $"{answers.Count(a => a.Any(x => x is not InteractionRejected))} served, {kind.Sum(m => faults[m.MessageId])} faults");
        }
        FaultReport.Print($"hostile input (seed {seed}): {messages.Count} messages, {readable.Count} with a readable requestId; unanswered {unanswered.Count}, "
            + $"answered twice {twice.Count}, sound requests rejected {rejectedSound.Count}, faults {faults.Values.Sum()} (max {faults.Values.Max()} per message)");
        output.WriteLine($"unanswered {unanswered.Count}, answered twice {twice.Count}, sound requests rejected {rejectedSound.Count}, "
            + $"faults {faults.Values.Sum()} (max {faults.Values.Max()} per message), error queue {await rig.DepthAsync("interaction-requested_error")}, "
            + $"skipped {await rig.DepthAsync("interaction-requested_skipped")}, saga error queue {await rig.DepthAsync("conversation-state_error")}, "
            + $"saga skipped {await rig.DepthAsync("conversation-state_skipped")}");

        Assert.True(rejectedSound.Count == 0, "sound but rejected: " + string.Join("; ", rejectedSound.Select(m => $"{m.Kind} {m.ContentType}: "
            + string.Join(", ", rig.Answers.Of(m.ReadableId!.Value).OfType<InteractionRejected>().SelectMany(r => r.Errors).Select(e => $"{e.Field}: {e.Message}")))));
        if (unanswered.Count > 0)
        {
            output.WriteLine($"work queue {await rig.DepthAsync("interaction-requested")}, wait-1s {await rig.DepthAsync("interaction-requested-wait-1s")}, saga {await rig.DepthAsync("conversation-state")}");
            var ids = unanswered.Select(m => m.ReadableId!.Value.ToString()).ToList();
            foreach (var line in rig.Logs.Lines.Where(l => ids.Any(id => l.Contains(id, StringComparison.Ordinal))).Take(30)) output.WriteLine(line);
            foreach (var line in rig.Logs.Lines.Where(l => l.Contains("fail", StringComparison.OrdinalIgnoreCase) || l.Contains("Exception", StringComparison.Ordinal)).Take(20))
                output.WriteLine(line.Length > 600 ? line[..600] : line);
        }
        Assert.True(unanswered.Count == 0, "unanswered: " + string.Join("; ", unanswered.Select(m => m.Kind)));
        Assert.True(twice.Count == 0, "answered twice: " + string.Join("; ", twice.Select(m => $"{m.Kind}: {string.Join(", ", rig.Answers.Of(m.ReadableId!.Value).Select(a => a.GetType().Name))}")));
        Assert.True(faultedTwice.Count == 0, "more than one fault: " + string.Join("; ", faultedTwice.Select(m => $"{m.Kind} ({faults[m.MessageId]})")));
        Assert.All(messages.Where(m => m.Sound), m => Assert.IsNotType<InteractionRejected>(Assert.Single(rig.Answers.Of(m.ReadableId!.Value))));
        Assert.Equal(0u, await rig.DepthAsync("conversation-state_error"));

        // The replicas still serve.
        var after = Guid.NewGuid();
        await rig.Bus.Publish(new InteractionRequested
        {
            RequestId = after, Request = System.Text.Json.JsonDocument.Parse("""{"model":"gemini-3.5-flash","input":"Still there?"}""").RootElement,
        }, ct);
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline && rig.Answers.Of(after).Count == 0) await Task.Delay(100, ct);
        Assert.IsType<InteractionCompleted>(Assert.Single(rig.Answers.Of(after)));
    }
}
