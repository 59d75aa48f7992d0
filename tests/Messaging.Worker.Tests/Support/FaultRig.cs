using System.Collections.Concurrent;
using System.Text.Json;
using MassTransit;
using Messaging.Client;
using Messaging.Contracts;
using Messaging.Emulator;
using Messaging.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Worker.Tests.Support;

/// <summary>
/// Worker replicas as processes (killable), on the real broker and PostgreSQL, against one emulator in this process, and a
/// downstream consumer that records every event with its messageId. Each rig has its own queue prefix and checkpoint table.
/// </summary>
internal sealed class FaultRig : IAsyncDisposable
{
    private readonly List<WorkerProcess> _workers = [];
    private TestService? _broker;
    private Uri _brokerUrl = null!;
    private Dictionary<string, string?> _extraSettings = [];
    private TestService? _database;
    private TestBus? _bus;
    private string? _databaseAddress;

    private FaultRig() { }

    public EmulatorServer Emulator { get; private set; } = null!;

    public string Prefix { get; } = $"fr{Guid.NewGuid():N}"[..10] + "-";

    public string Table { get; } = $"checkpoints_{Guid.NewGuid():N}"[..24];

    public string CancelTable { get; } = $"cancels_{Guid.NewGuid():N}"[..20];

    public FaultEvents Events { get; } = new();

    public IReadOnlyList<WorkerProcess> Workers => _workers;

    /// <summary>The database the replicas share; null until started.</summary>
    public TestService Database => _database!;

    /// <summary>The relay the replicas reach the database through, when the rig was started with one; a test cuts it.</summary>
    public CuttableTcpProxy? DatabaseProxy { get; private set; }

    /// <param name="databaseProxy">Whether the replicas reach PostgreSQL through a <see cref="CuttableTcpProxy"/>.</param>
    /// <param name="broker">A broker of the test's own (<see cref="PrivateRabbitNode"/>); the shared one when null.</param>
    /// <param name="extraSettings">Settings every replica of this rig gets on top of the rig's own (e.g. a low delivery limit).</param>
    public static async Task<FaultRig> StartAsync(int replicas, CancellationToken cancellationToken, bool databaseProxy = false, Uri? broker = null,
        Dictionary<string, string?>? extraSettings = null)
    {
        var rig = new FaultRig { _extraSettings = extraSettings ?? [] };
        if (broker is null) rig._broker = await TestService.RabbitMqAsync();
        rig._brokerUrl = broker ?? rig._broker!.Url;
        rig._database = await TestService.PostgreSqlAsync();
        rig._databaseAddress = rig._database.Address;
        if (databaseProxy)
        {
            var direct = new Npgsql.NpgsqlConnectionStringBuilder(rig._database.Address);
            rig.DatabaseProxy = CuttableTcpProxy.Start(direct.Host!, direct.Port);
            rig._databaseAddress = new Npgsql.NpgsqlConnectionStringBuilder(rig._database.Address)
            {
                Host = "127.0.0.1",
                Port = rig.DatabaseProxy.Port,
            }.ConnectionString;
        }
        rig.Emulator = await EmulatorServer.StartAsync(cancellationToken: cancellationToken);
        // On a broker the test restarts, the recorder's queue is durable: it keeps what the replicas publish while this bus reconnects.
        var durable = broker is not null;
        rig._bus = await TestBus.StartAsync(rig._brokerUrl, rig.Prefix, ["interaction-requested", "interaction-requested-poison", "interaction-requested-wait-1s", "interaction-requested-wait-5s", "interaction-cancels", "fault-events"], s => s.AddSingleton(rig.Events),
            x => x.AddConsumer<FaultEventCollector>().Endpoint(e =>
            {
                e.Name = rig.Prefix + "fault-events";
                e.Temporary = !durable;
                e.ConcurrentMessageLimit = 8; // out of order on purpose: the assembler puts it back together
                e.PrefetchCount = 1000;
            }));
        for (var i = 0; i < replicas; i++) await rig.StartWorkerAsync(cancellationToken);
        return rig;
    }

    public Dictionary<string, string?> Settings()
    {
        var settings = BaseSettings();
        foreach (var (key, value) in _extraSettings) settings[key] = value;
        return settings;
    }

    private Dictionary<string, string?> BaseSettings() => new()
    {
        ["Interactions:BaseUrl"] = Emulator.BaseAddress.ToString(),
        ["Interactions:ApiKey"] = WorkerFixture.ApiKey,
        ["Interactions:PollInterval"] = "00:00:00.100",
        ["Bus:RabbitMqUrl"] = _brokerUrl.ToString(),
        ["Bus:NamePrefix"] = Prefix,
        ["ConnectionStrings:Sagas"] = _databaseAddress,
        ["Conversations:Enabled"] = "false",
        ["Checkpoints:TableName"] = Table,
        ["Cancels:TableName"] = CancelTable,
        ["Checkpoints:Lease"] = "00:00:02",
        ["Worker:MaxConcurrentStreams"] = "64",
    };

    /// <param name="overrides">Settings of this replica that differ from the rig's (e.g. a longer lease).</param>
    public async Task<WorkerProcess> StartWorkerAsync(CancellationToken cancellationToken, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var settings = Settings();
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) settings[key] = value;
        var worker = await WorkerProcess.StartAsync(settings, cancellationToken);
        lock (_workers) _workers.Add(worker);
        return worker;
    }

    /// <summary>Kills a replica (SIGKILL) and starts a new one in its place.</summary>
    public async Task KillAndReplaceAsync(WorkerProcess worker, CancellationToken cancellationToken)
    {
        worker.Kill();
        lock (_workers) _workers.Remove(worker);
        await worker.DisposeAsync();
        await StartWorkerAsync(cancellationToken);
    }

    /// <summary>A slow stream (<paramref name="chunks"/> deltas, one per <paramref name="delayMs"/>), labelled with its requestId for counting creates.</summary>
    public static JsonElement SlowRequest(Guid requestId, int chunks = 40, int delayMs = 100, bool store = true, string input = "Tell me about rivers") =>
        JsonSerializer.SerializeToElement(new Dictionary<string, object>
        {
            ["model"] = "gemini-3.5-flash",
            ["input"] = input,
            ["store"] = store,
            ["labels"] = new Dictionary<string, string>
            {
                ["emulator_chunks"] = chunks.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["emulator_chunk_delay_ms"] = delayMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["test_request"] = requestId.ToString(),
            },
        });

    public Task CancelAsync(Guid requestId) => _bus!.Bus.Publish(new CancelInteraction { RequestId = requestId });

    public Task PublishAsync(Guid requestId, JsonElement request, Guid? messageId = null, IReadOnlyDictionary<string, object>? headers = null) =>
        _bus!.Bus.Publish(new InteractionRequested { RequestId = requestId, Request = request }, context =>
        {
            if (messageId is { } id) context.MessageId = id;
            foreach (var (key, value) in headers ?? new Dictionary<string, object>()) context.Headers.Set(key, value);
        });

    /// <summary>The broker the rig's replicas use.</summary>
    public Uri BrokerUrl => _brokerUrl;

    /// <summary>
    /// Publishes a request as a service in another language does: plain JSON on the requests' exchange with
    /// RabbitMQ.Client, with <paramref name="headers"/> and nothing else (no lane unless a header names one).
    /// </summary>
    public async Task PublishPlainAsync(Guid requestId, JsonElement request, IDictionary<string, object?>? headers = null)
    {
        await using var connection = await new RabbitMQ.Client.ConnectionFactory { Uri = _brokerUrl }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new RabbitMQ.Client.CreateChannelOptions(true, true));
        var body = JsonSerializer.SerializeToUtf8Bytes(new { requestId, request });
        var properties = new RabbitMQ.Client.BasicProperties
        {
            ContentType = "application/json", DeliveryMode = RabbitMQ.Client.DeliveryModes.Persistent, Headers = headers,
        };
        await channel.BasicPublishAsync($"{Prefix}Messaging.Contracts:InteractionRequested", "", true, properties, body);
    }

    /// <summary>How many interactions the API created for a request (its creates, counted by the label).</summary>
    public int CreatesOf(Guid requestId) => Emulator.Requests.Count(r =>
        r.Method == "POST" && r.Path.EndsWith("/interactions", StringComparison.Ordinal) && r.Body.Contains(requestId.ToString(), StringComparison.Ordinal));

    /// <summary>Stream resumes the replicas asked the API for (GETs with <c>last_event_id</c>) and reads from the start (without).</summary>
    public (int Resumes, int Replays) StreamReads()
    {
        var gets = Emulator.Requests.Where(r => r.Method == "GET" && r.QueryString.Contains("stream=true", StringComparison.Ordinal)).ToList();
        var resumes = gets.Count(r => r.QueryString.Contains("last_event_id", StringComparison.Ordinal));
        return (resumes, gets.Count - resumes);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers.ToList()) await worker.DisposeAsync();
        if (_bus is not null) await _bus.DisposeAsync();
        if (Emulator is not null) await Emulator.DisposeAsync();
        if (DatabaseProxy is not null) await DatabaseProxy.DisposeAsync();
        if (_database is not null)
        {
            try
            {
                await using var data = Npgsql.NpgsqlDataSource.Create(_database.Address);
                await using var drop = data.CreateCommand($"DROP TABLE IF EXISTS \"{Table}\", \"{CancelTable}\"");
                await drop.ExecuteNonQueryAsync();
            }
            catch (Npgsql.NpgsqlException) { }
            await _database.DisposeAsync();
        }
        if (_broker is not null) await _broker.DisposeAsync();
    }
}

/// <summary>Every event the downstream consumer got, with its messageId, by request.</summary>
internal sealed class FaultEvents
{
    private readonly ConcurrentDictionary<Guid, ConcurrentQueue<(object Message, Guid? MessageId)>> _byRequest = new();

    public void Add(Guid requestId, object message, Guid? messageId) =>
        _byRequest.GetOrAdd(requestId, _ => new()).Enqueue((message, messageId));

    public IReadOnlyList<(object Message, Guid? MessageId)> Of(Guid requestId) =>
        _byRequest.TryGetValue(requestId, out var events) ? events.ToList() : [];

    /// <summary>The final events (by messageId: a replay of the same final event counts once; a rejected duplicate is not one).</summary>
    public int DistinctFinals(Guid requestId) => Of(requestId).Where(e => IsFinal(e.Message)).Select(e => e.MessageId).Distinct().Count();

    /// <summary>The request's final events as delivered (replays included), in arrival order.</summary>
    public IReadOnlyList<object> Finals(Guid requestId) => Of(requestId).Select(e => e.Message).Where(IsFinal).ToList();

    /// <summary>Final events delivered, replays included.</summary>
    public int FinalDeliveries(Guid requestId) => Of(requestId).Count(e => IsFinal(e.Message));

    /// <summary>The request's events through <see cref="RequestStreamAssembler"/>, as a consumer using it sees them.</summary>
    public (RequestStreamAssembler Assembler, List<object> Shown) Assemble(Guid requestId)
    {
        var assembler = new RequestStreamAssembler(requestId);
        var shown = Of(requestId).SelectMany(e => assembler.Add(e.Message)).ToList();
        return (assembler, shown);
    }

    /// <summary>Whether the request completed and the helper's text is the completion's <c>outputText</c>, as a consumer would show it.</summary>
    public bool ShowsOutputText(Guid requestId)
    {
        var (assembler, _) = Assemble(requestId);
        return assembler.Final is InteractionCompleted completed && completed.OutputText == assembler.Text;
    }

    public async Task<bool> WaitAsync(IEnumerable<Guid> requestIds, TimeSpan patience, CancellationToken cancellationToken, int pollMilliseconds = 100)
    {
        var ids = requestIds.ToList();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(patience);
        try
        {
            while (ids.Any(id => DistinctFinals(id) == 0)) await Task.Delay(pollMilliseconds, timeout.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Waits until each request has published a delta.</summary>
    public async Task FirstDeltaAsync(IEnumerable<Guid> requestIds, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        foreach (var id in requestIds)
        {
            while (!Of(id).Any(e => e.Message is StepDelta)) await Task.Delay(20, timeout.Token);
        }
    }

    /// <summary>Waits for an <see cref="InteractionRejected"/> of the request.</summary>
    public async Task RejectedAsync(Guid requestId, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (!Of(requestId).Any(e => e.Message is InteractionRejected)) await Task.Delay(20, timeout.Token);
    }

    private static bool IsFinal(object message) =>
        message is InteractionCompleted or InteractionFailed or InteractionCancelled or InteractionRequiresAction;
}

/// <summary>The downstream consumer of a fault rig: every request event, with its messageId.</summary>
internal sealed class FaultEventCollector(FaultEvents events) :
    IConsumer<InteractionStarted>, IConsumer<StepStarted>, IConsumer<StepDelta>, IConsumer<StepCompleted>,
    IConsumer<InteractionStatusChanged>, IConsumer<InteractionCompleted>, IConsumer<InteractionFailed>, IConsumer<InteractionCancelled>,
    IConsumer<InteractionRejected>
{
    public Task Consume(ConsumeContext<InteractionStarted> context) => Add(context.Message.RequestId, context);
    public Task Consume(ConsumeContext<StepStarted> context) => Add(context.Message.RequestId, context);
    public Task Consume(ConsumeContext<StepDelta> context) => Add(context.Message.RequestId, context);
    public Task Consume(ConsumeContext<StepCompleted> context) => Add(context.Message.RequestId, context);
    public Task Consume(ConsumeContext<InteractionStatusChanged> context) => Add(context.Message.RequestId, context);
    public Task Consume(ConsumeContext<InteractionCompleted> context) => Add(context.Message.RequestId, context);
    public Task Consume(ConsumeContext<InteractionFailed> context) => Add(context.Message.RequestId, context);
    public Task Consume(ConsumeContext<InteractionCancelled> context) => Add(context.Message.RequestId, context);
    public Task Consume(ConsumeContext<InteractionRejected> context) => Add(context.Message.RequestId, context);

    private Task Add<T>(Guid requestId, ConsumeContext<T> context) where T : class
    {
        events.Add(requestId, context.Message, context.MessageId);
        return Task.CompletedTask;
    }
}
