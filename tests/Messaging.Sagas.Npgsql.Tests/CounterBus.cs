using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Sagas.Npgsql.Tests;

/// <summary>
/// One "replica": a service provider with a started MassTransit bus running the counter saga on the repository the
/// test registers, and an observer endpoint that collects what the saga published and any fault. The in-memory
/// transport by default; on RabbitMQ every queue and exchange carries the test's prefix, and replicas with one prefix
/// compete for one saga queue while each observer (a temporary queue) sees every event.
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

    public static async Task<CounterBus> StartAsync(Action<ISagaRegistrationConfigurator<CounterState>> repository, CancellationToken cancellationToken,
        Uri? rabbitMq = null, string prefix = "")
    {
        CounterBus? bus = null;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<ConflictCounter>();
        services.AddMassTransit(x =>
        {
            x.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(prefix, false));
            repository(x.AddSagaStateMachine<CounterStateMachine, CounterState, CounterStateDefinition>());
            void Observe(IReceiveEndpointConfigurator e)
            {
                e.Handler<CounterIncremented>(c => { bus!.Increments.Add(c.Message); return Task.CompletedTask; });
                e.Handler<Fault<IncrementCounter>>(c => { bus!.Faults.Add(c.Message); return Task.CompletedTask; });
            }
            if (rabbitMq is null)
            {
                x.UsingInMemory((context, cfg) =>
                {
                    cfg.ReceiveEndpoint("counter-observer", Observe);
                    cfg.ConfigureEndpoints(context);
                });
            }
            else
            {
                x.UsingRabbitMq((context, cfg) =>
                {
                    cfg.Host(rabbitMq);
                    cfg.MessageTopology.SetEntityNameFormatter(new PrefixEntityNameFormatter(cfg.MessageTopology.EntityNameFormatter, prefix));
                    cfg.ReceiveEndpoint(new TemporaryEndpointDefinition(prefix + "counter-observer"), (IRabbitMqReceiveEndpointConfigurator e) => Observe(e));
                    cfg.ConfigureEndpoints(context);
                });
            }
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
