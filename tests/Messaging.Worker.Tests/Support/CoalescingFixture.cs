using MassTransit;
using Messaging.Client;
using Messaging.Contracts;
using Messaging.Emulator;
using Messaging.Testing;
using Messaging.Worker.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;

namespace Messaging.Worker.Tests.Support;

/// <summary>
/// Workers with different delta settings side by side, each on its own prefix with its own downstream test bus
/// (ordered delivery), so a test picks the setting by picking the lane: <see cref="Off"/> (window zero: one
/// message per API delta) and <see cref="Wide"/> (a window long enough that a fast stream's deltas always
/// merge, transient delta delivery), and <see cref="ThroughMassTransit"/> (as <see cref="Off"/>, but the worker
/// publishes through MassTransit's pipeline instead of directly with RabbitMQ.Client).
/// </summary>
public sealed class CoalescingFixture : IAsyncLifetime
{
    private TestService? _broker;

    public EmulatorServer Emulator { get; private set; } = null!;

    public WorkerLane Off { get; private set; } = null!;

    public WorkerLane Wide { get; private set; } = null!;

    public WorkerLane ThroughMassTransit { get; private set; } = null!;

    public Uri BrokerUrl => _broker!.Url;

    public async ValueTask InitializeAsync()
    {
        _broker = await TestService.RabbitMqAsync();
        Emulator = await EmulatorServer.StartAsync();
        Off = await WorkerLane.StartAsync(_broker.Url, Emulator, new() { ["Worker:DeltaCoalescingWindow"] = "00:00:00" });
        Wide = await WorkerLane.StartAsync(_broker.Url, Emulator, new()
        {
            ["Worker:DeltaCoalescingWindow"] = "00:00:02", ["Worker:DeltaDeliveryMode"] = "Transient",
        });
        ThroughMassTransit = await WorkerLane.StartAsync(_broker.Url, Emulator, new()
        {
            ["Worker:DeltaCoalescingWindow"] = "00:00:00", ["Worker:DirectPublishing"] = "false",
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Off is not null) await Off.DisposeAsync();
        if (Wide is not null) await Wide.DisposeAsync();
        if (ThroughMassTransit is not null) await ThroughMassTransit.DisposeAsync();
        if (Emulator is not null) await Emulator.DisposeAsync();
        if (_broker is not null) await _broker.DisposeAsync();
    }
}

/// <summary>One worker and its downstream listener, isolated by a prefix of their own.</summary>
public sealed class WorkerLane : IAsyncDisposable
{
    private WebApplication? _worker;
    private TestBus? _bus;

    public string Prefix { get; } = $"dc{Guid.NewGuid():N}"[..10] + "-";

    public EventLog Events { get; } = new();

    public IBus Bus => _bus!.Bus;

    public static async Task<WorkerLane> StartAsync(Uri broker, EmulatorServer emulator, Dictionary<string, string?> settings)
    {
        var lane = new WorkerLane();
        settings["Interactions:BaseUrl"] = emulator.BaseAddress.ToString();
        settings["Interactions:ApiKey"] = "test-key";
        settings["Bus:RabbitMqUrl"] = broker.ToString();
        settings["Bus:NamePrefix"] = lane.Prefix;
        settings["Conversations:Enabled"] = "false";
        lane._worker = await WorkerHost.StartAsync(settings);

        lane._bus = await TestBus.StartAsync(broker, lane.Prefix, ["interaction-requested", "interaction-requested-poison", "interaction-cancels"], s => s.AddSingleton(lane.Events),
            x => x.AddConsumer<EventCollector>().ExcludeFromConfigureEndpoints(),
            (context, bus) => bus.ReceiveEndpoint(new TemporaryEndpointDefinition(lane.Prefix + "test-events"), e =>
            {
                e.UseOrderedDelivery();
                e.ConfigureConsumer<EventCollector>(context);
            }));
        return lane;
    }

    /// <summary>Publishes <paramref name="request"/> and waits for its final event.</summary>
    public async Task<RequestEvents> RunAsync(string request, CancellationToken cancellationToken)
    {
        var requestId = Guid.NewGuid();
        await Bus.Publish(new InteractionRequested
        {
            RequestId = requestId, Request = System.Text.Json.JsonDocument.Parse(request).RootElement.Clone(),
        }, cancellationToken);
        return await Events.FinishedAsync(requestId);
    }

    public async ValueTask DisposeAsync()
    {
        if (_worker is not null) await _worker.DisposeAsync();
        if (_bus is not null) await _bus.DisposeAsync();
    }
}
