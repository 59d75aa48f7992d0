using MassTransit;
using Messaging.Contracts;
using Messaging.Emulator;
using Messaging.Emulator.Quotas;
using Messaging.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Worker.Tests.Quotas;

/// <summary>
/// Worker replicas in this process on the real broker (and PostgreSQL, which counts the quota windows of them all),
/// against an emulator of their own whose quotas the test sets, with a key of their own; a test bus publishes requests and
/// collects every event.
/// </summary>
internal sealed class QuotaRig : IAsyncDisposable
{
    private readonly List<WebApplication> _workers = [];
    private TestService? _broker;
    private TestService? _database;
    private TestBus? _bus;

    public EmulatorServer Emulator { get; private set; } = null!;

    public string Prefix { get; } = $"qt{Guid.NewGuid():N}"[..10] + "-";

    public string ApiKey { get; } = $"quota-{Guid.NewGuid():N}";

    public EventLog Events { get; } = new(TimeSpan.FromMinutes(3));

    public IReadOnlyList<WebApplication> Workers => _workers;

    public IBus Bus => _bus!.Bus;

    /// <summary>The broker the rig runs on (as the guest user).</summary>
    public Uri BrokerUrl => _broker!.Url;

    /// <param name="replicas">Worker replicas to start.</param>
    /// <param name="quotas">The emulator's quotas (for this rig's key).</param>
    /// <param name="settings">Worker settings on top of the rig's (Quota:MaxWait, Quota:Limits, Interactions:MaxRetryAfter, …).</param>
    public static async Task<QuotaRig> StartAsync(int replicas, IEnumerable<EmulatorQuota> quotas, Dictionary<string, string?> settings)
    {
        var rig = new QuotaRig();
        rig._broker = await TestService.RabbitMqAsync();
        rig._database = await TestService.PostgreSqlAsync();
        var options = new EmulatorOptions();
        foreach (var quota in quotas) options.Quotas.Add(quota);
        rig.Emulator = await EmulatorServer.StartAsync(options);
        rig._bus = await TestBus.StartAsync(rig._broker.Url, rig.Prefix,
            ["interaction-requested", "interaction-requested-poison", "interaction-requested-wait-1s", "interaction-requested-wait-5s",
             "interaction-requested-wait-30s", "interaction-requested-wait-2m", "interaction-requested-wait-10m", "interaction-cancels"],
            s => s.AddSingleton(rig.Events),
            x => x.AddConsumer<EventCollector>().Endpoint(e =>
            {
                e.Name = rig.Prefix + "test-events";
                e.Temporary = true;
                e.PrefetchCount = 1000;
            }));
        var all = rig.Settings();
        foreach (var (key, value) in settings) all[key] = value;
        for (var i = 0; i < replicas; i++) rig._workers.Add(await WorkerHost.StartAsync(all));
        return rig;
    }

    /// <summary>Publishes a request for <paramref name="model"/>, its input tagged so the emulator's records can be told apart.</summary>
    public async Task<Guid> PublishAsync(string model, string tag, object? labels = null, string? tenant = null)
    {
        var requestId = Guid.NewGuid();
        var request = new Dictionary<string, object?> { ["model"] = model, ["input"] = $"quota test {tag} {requestId}" };
        if (labels is not null) request["labels"] = labels;
        await Bus.Publish(new InteractionRequested
        {
            RequestId = requestId,
            Tenant = tenant,
            Request = System.Text.Json.JsonSerializer.SerializeToElement(request),
        }, TestContext.Current.CancellationToken);
        return requestId;
    }

    /// <summary>How many creates the emulator received whose body names <paramref name="text"/>.</summary>
    public int CreatesFor(string text) =>
        Emulator.Requests.Count(r => r.Method == "POST" && r.Body.Contains(text, StringComparison.Ordinal));

    private Dictionary<string, string?> Settings() => new()
    {
        ["Interactions:BaseUrl"] = Emulator.BaseAddress.ToString(),
        ["Interactions:ApiKey"] = ApiKey,
        ["Interactions:MaxRetries"] = "2",
        ["Interactions:RetryBaseDelay"] = "00:00:00.020",
        ["Interactions:MaxRetryDelay"] = "00:00:00.200",
        ["Bus:RabbitMqUrl"] = _broker!.Url.ToString(),
        ["Bus:NamePrefix"] = Prefix,
        ["ConnectionStrings:Sagas"] = _database!.Address,
        ["Checkpoints:TableName"] = $"checkpoints_{Guid.NewGuid():N}"[..24],
        ["Cancels:TableName"] = $"cancels_{Guid.NewGuid():N}"[..20],
        ["Conversations:Enabled"] = "false",
        ["Worker:MaxConcurrentStreams"] = "16",
    };

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers) await worker.DisposeAsync();
        if (_bus is not null) await _bus.DisposeAsync();
        if (Emulator is not null) await Emulator.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
        if (_broker is not null) await _broker.DisposeAsync();
    }
}
