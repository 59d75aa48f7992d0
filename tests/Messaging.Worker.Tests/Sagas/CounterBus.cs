using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Worker.Tests.Sagas;

/// <summary>
/// One "replica": a service provider with a started MassTransit bus (in-memory transport) running the counter saga
/// on the repository the test registers, and an observer endpoint that collects what the saga published and any fault.
/// </summary>
internal sealed class CounterBus : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private CounterBus(ServiceProvider provider)
    {
        _provider = provider;
    }

    public ConcurrentBag<CounterIncremented> Increments { get; } = [];

    public ConcurrentBag<Fault<IncrementCounter>> Faults { get; } = [];

    public IServiceProvider Services => _provider;

    public IBus Bus => _provider.GetRequiredService<IBus>();

    public ConflictCounter Conflicts => _provider.GetRequiredService<ConflictCounter>();

    public static async Task<CounterBus> StartAsync(Action<ISagaRegistrationConfigurator<CounterState>> repository, CancellationToken cancellationToken)
    {
        CounterBus? bus = null;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<ConflictCounter>();
        services.AddMassTransit(x =>
        {
            repository(x.AddSagaStateMachine<CounterStateMachine, CounterState, CounterStateDefinition>());
            x.UsingInMemory((context, cfg) =>
            {
                cfg.ReceiveEndpoint("counter-observer", e =>
                {
                    e.Handler<CounterIncremented>(c => { bus!.Increments.Add(c.Message); return Task.CompletedTask; });
                    e.Handler<Fault<IncrementCounter>>(c => { bus!.Faults.Add(c.Message); return Task.CompletedTask; });
                });
                cfg.ConfigureEndpoints(context);
            });
        });
        bus = new CounterBus(services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true }));
        await bus._provider.GetRequiredService<IBusControl>().StartAsync(cancellationToken);
        return bus;
    }

    /// <summary>Stops the bus; it finishes the messages in flight first.</summary>
    public Task StopAsync() => _provider.GetRequiredService<IBusControl>().StopAsync(CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _provider.DisposeAsync();
    }
}
