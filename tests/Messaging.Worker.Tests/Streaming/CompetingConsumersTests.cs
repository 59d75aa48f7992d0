using Messaging.Contracts;
using Messaging.Worker.Streaming;
using Messaging.Worker.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Worker.Tests.Streaming;

/// <summary>Replicas compete for one durable queue: every request runs once, on one of them.</summary>
public sealed class CompetingConsumersTests(WorkerFixture fixture) : WorkerTest(fixture)
{
    [Fact]
    public async Task Fifty_concurrent_requests_complete_exactly_once_spread_over_both_replicas()
    {
        var registries = Fixture.Workers.Select(w => w.Services.GetRequiredService<InFlightInteractions>()).ToList();
        var before = registries.Select(r => r.Accepted).ToList();

        var requestIds = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            PublishAsync($$"""{"model":"gemini-3.5-flash","input":"Question number {{i}}: how do rivers form?"}""")));
        var all = await Task.WhenAll(requestIds.Select(Fixture.Events.FinishedAsync));
        await Task.Delay(500, Ct); // a duplicate, if there were one, would have arrived by now

        Assert.All(all, events =>
        {
            Assert.Single(events.Of<InteractionStarted>());
            Assert.Single(events.Of<InteractionCompleted>());
            StreamAssert.WellFormed(events);
        });
        Assert.Equal(50, all.Select(e => e.Single<InteractionCompleted>().InteractionId).Distinct().Count());
        var handled = registries.Select((r, i) => r.Accepted - before[i]).ToList();
        Assert.Equal(50, handled.Sum());
        Assert.All(handled, count => Assert.True(count > 0, $"a replica handled none: {string.Join(", ", handled)}"));
    }
}
