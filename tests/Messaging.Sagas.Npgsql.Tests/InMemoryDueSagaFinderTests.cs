using MassTransit;
using Messaging.Sagas;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Sagas.Npgsql.Tests;

/// <summary>The single-process default: MassTransit's in-memory repository with a due finder over its instances.</summary>
public sealed class InMemoryDueSagaFinderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FindDue_returns_exactly_the_due_in_memory_sagas_earliest_first()
    {
        await using var replica = await CounterBus.StartAsync(saga => saga.InMemoryDueRepository(), Ct);
        var now = DateTime.UtcNow;
        var longAgo = NewId.NextGuid();
        var aMinuteAgo = NewId.NextGuid();
        var later = NewId.NextGuid();
        var never = NewId.NextGuid();

        await replica.Bus.Publish(new IncrementCounter(later, now.AddMinutes(1)), Ct);
        await replica.Bus.Publish(new IncrementCounter(aMinuteAgo, now.AddMinutes(-1)), Ct);
        await replica.Bus.Publish(new IncrementCounter(never), Ct);
        await replica.Bus.Publish(new IncrementCounter(longAgo, now.AddMinutes(-10)), Ct);
        var loader = replica.Services.GetRequiredService<ILoadSagaRepository<CounterState>>();
        foreach (var id in new[] { longAgo, aMinuteAgo, later, never })
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (await loader.Load(id) is null && DateTime.UtcNow < deadline) await Task.Delay(20, Ct);
        }

        var finder = replica.Services.GetRequiredService<IDueSagaFinder<CounterState>>();
        Assert.Equal([longAgo, aMinuteAgo], await finder.FindDueAsync(now, 10, Ct));
        Assert.Equal([longAgo], await finder.FindDueAsync(now, 1, Ct));
        Assert.Equal([longAgo, aMinuteAgo, later], await finder.FindDueAsync(now.AddMinutes(2), 10, Ct));
    }
}
