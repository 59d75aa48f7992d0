using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit.Serialization;
using Messaging.Client;
using Messaging.Contracts;
using Messaging.Interactions.Json;
using Messaging.Interactions.Streaming;
using Messaging.Worker.Infrastructure;
using Messaging.Worker.Streaming;
using Messaging.Worker.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Worker.Tests.Streaming;

/// <summary>
/// A relay killed after any event and continued on another replica from its last checkpoint: together they publish what
/// one relay would have, replays carrying the same messageIds, sequence numbers and content.
/// </summary>
public sealed class RelayTakeoverTests : IDisposable
{
    private static readonly RequestIds Ids = new(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
    private readonly ServiceProvider _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public void Dispose() => _metrics.Dispose();

    private static readonly List<InteractionEvent>[] Hops =
    [
        HopEvents.Of("v1_one", "requires_continuation", ["Hello", ", wor"], first: true),
        // One delta without an event_id: the resume point stays before it.
        HopEvents.Of("v1_two", "completed", ["ld", "!", " Bye."], first: false, textWithoutEventId: "!"),
    ];

    [Fact]
    public async Task Killed_after_any_event_the_takeover_publishes_what_one_relay_would_with_the_same_ids()
    {
        var (expected, expectedIds) = await RunAsync(kill: int.MaxValue);
        var total = Hops.Sum(h => h.Count);
        var replays = 0;
        for (var kill = 0; kill <= total; kill++)
        {
            var (published, ids) = await RunAsync(kill);
            var firstSeen = new Dictionary<Guid, string>();
            var order = new List<Guid>();
            for (var i = 0; i < ids.Count; i++)
            {
                if (firstSeen.TryGetValue(ids[i], out var earlier))
                {
                    Assert.Equal(earlier, published[i]); // a replay is the same message
                    replays++;
                    continue;
                }
                firstSeen[ids[i]] = published[i];
                order.Add(ids[i]);
            }
            Assert.Equal(expectedIds, order);
            Assert.Equal(expected, order.Select(id => firstSeen[id]).ToList());

            // A consumer that gets all of it, replays included, in any order, shows the answer once.
            var assembler = new RequestStreamAssembler(Ids.RequestId);
            var shown = _lastRun.OrderBy(_ => _random.Next()).SelectMany(assembler.Add).ToList();
            var completed = Assert.IsType<InteractionCompleted>(assembler.Final);
            Assert.Equal(completed.OutputText, assembler.Text);
            Assert.Equal(Enumerable.Range(1, (int)assembler.DeliveredThrough).Select(i => (long)i),
                shown.OfType<StepDelta>().SelectMany(d => Enumerable.Range((int)d.Sequence, (int)(d.LastSequence - d.Sequence + 1)).Select(i => (long)i)));
        }
        Assert.True(replays > 0, "some kills fall between a checkpoint and later events, which are published again");
    }

    /// <summary>Relays the hops, killed after <paramref name="kill"/> events, then continued by a second relay from the last checkpoint.</summary>
    private async Task<(List<string> Messages, List<Guid> Ids)> RunAsync(int kill)
    {
        var lane = new RecordingLane();
        JsonObject? checkpoint = null;
        var first = Relay(lane, state => checkpoint = state);
        var applied = 0;
        var finished = true;
        foreach (var hop in Hops)
        {
            foreach (var evt in hop)
            {
                if (applied++ == kill) { finished = false; break; }
                await first.RelayAsync(evt);
            }
            if (!finished) break;
            first.EndHop();
        }
        if (finished)
        {
            await first.PublishAsync(first.Completed("gemini-3.5-flash"));
            return Recorded(lane);
        }

        var second = Relay(lane, _ => { });
        var start = 0;
        IEnumerable<InteractionEvent> resumed = Hops[0];
        if (checkpoint is not null)
        {
            // Through text, as the store keeps it.
            second.Restore(InteractionsJson.ParseObject(InteractionsJson.Serialize(checkpoint)));
            start = Array.FindIndex(Hops, h => ((InteractionCreatedEvent)h[0]).Interaction.Id == second.InteractionId);
            var after = second.LastEventId;
            resumed = after is null ? Hops[start] : Hops[start].SkipWhile(e => e.EventId != after).Skip(1);
        }
        foreach (var evt in resumed) await second.RelayAsync(evt);
        second.EndHop();
        foreach (var hop in Hops.Skip(start + 1))
        {
            foreach (var evt in hop) await second.RelayAsync(evt);
            second.EndHop();
        }
        await second.PublishAsync(second.Completed("gemini-3.5-flash"));
        return Recorded(lane);
    }

    private readonly Random _random = new(20261201);
    private List<object> _lastRun = [];

    private (List<string>, List<Guid>) Recorded(RecordingLane lane)
    {
        _lastRun = lane.Published.Select(p => p.Message).ToList();
        return (lane.Published.Select(p => p.Message.GetType().Name + JsonSerializer.Serialize(p.Message, p.Message.GetType(), SystemTextJsonMessageSerializer.Options)).ToList(),
            lane.MessageIds.ToList());
    }

    private InteractionRelay Relay(RecordingLane lane, Action<JsonObject> checkpoints) =>
        new(lane, new WorkerTelemetry(_metrics.GetRequiredService<IMeterFactory>()), Ids, TestContext.Current.CancellationToken)
        {
            CheckpointInterval = TimeSpan.Zero,
            OnCheckpoint = (state, _) => checkpoints(state),
        };
}
