using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
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
using Npgsql;
using RabbitMQ.Client;

namespace Messaging.Worker.Tests.Support;

/// <summary>
/// The conversation saga as it runs in production: three worker replicas on one RabbitMQ sharing one PostgreSQL saga
/// table, one emulator, and a test bus that plays the downstream services: it publishes requests, collects every
/// event per conversation, and (for conversations it is told to) answers function calls like an executor would.
/// Names carry a per-run prefix and the table a per-run name, so runs never share state; both are removed at the end.
/// </summary>
public sealed class ConversationFixture : IAsyncLifetime
{
    public const int Replicas = 3;
    public const int MaxFunctionRounds = 3;

    private TestService? _broker;
    private TestService? _database;
    private TestBus? _testBus;
    private List<WebApplication> _workers = [];

    public EmulatorServer Emulator { get; private set; } = null!;

    public string Prefix { get; } = $"ct{Guid.NewGuid():N}"[..10] + "-";

    public string Table => Prefix.TrimEnd('-') + "_conversations";

    public string ConnectionString => _database!.Address;

    /// <summary>The broker the replicas and the test bus use (from the environment or a container).</summary>
    public Uri BrokerUrl => _broker!.Url;

    public IReadOnlyList<WebApplication> Workers => _workers;

    public CapturingLoggerProvider Logs { get; } = new();

    public EventLog Events { get; } = EventLog.ByConversation();

    /// <summary>Conversations whose function calls the test bus answers by itself.</summary>
    public AutoExecutor Executor { get; } = new();

    public IBus Bus => _testBus!.Bus;

    public async ValueTask InitializeAsync()
    {
        _broker = await TestService.RabbitMqAsync();
        _database = await TestService.PostgreSqlAsync();
        Emulator = await EmulatorServer.StartAsync();
        await StartWorkersAsync();
        Events.Diagnose = DiagnoseAsync;

        _testBus = await TestBus.StartAsync(_broker.Url, Prefix, ["interaction-requested", "conversation-state", "conversation-cancel-router"], s =>
        {
            s.AddSingleton(Events);
            s.AddSingleton(Executor);
        }, x =>
        {
            x.AddConsumer<ConversationCollector>().Endpoint(e =>
            {
                e.Name = Prefix + "test-conversations";
                e.Temporary = true;
                e.ConcurrentMessageLimit = 1;
                e.PrefetchCount = 1000;
            });
            x.AddConsumer<AutoExecutorConsumer>().Endpoint(e =>
            {
                e.Name = Prefix + "test-executor";
                e.Temporary = true;
                e.ConcurrentMessageLimit = 32; // results arrive concurrently, as from many executors
            });
        });
    }

    public Dictionary<string, string?> WorkerSettings() => new()
    {
        ["Interactions:BaseUrl"] = Emulator.BaseAddress.ToString(),
        ["Interactions:ApiKey"] = WorkerFixture.ApiKey,
        ["Interactions:MaxRetries"] = "2",
        ["Interactions:RetryBaseDelay"] = "00:00:00.020",
        ["Interactions:MaxRetryDelay"] = "00:00:00.200",
        ["Bus:RabbitMqUrl"] = _broker!.Url.ToString(),
        ["Bus:NamePrefix"] = Prefix,
        ["Worker:MaxConcurrentStreams"] = "64",
        ["ConnectionStrings:Sagas"] = ConnectionString,
        ["Conversations:TableName"] = Table,
        ["Conversations:MaxFunctionRounds"] = MaxFunctionRounds.ToString(CultureInfo.InvariantCulture),
        ["Conversations:FunctionResultTimeout"] = "00:10:00",
        ["Conversations:SweepInterval"] = "00:00:00.200",
        ["Conversations:StartGrace"] = "00:00:03",
    };

    /// <summary>Stops every replica and starts as many new ones: only PostgreSQL and the broker keep what happened.</summary>
    public async Task RestartWorkersAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.StopAsync(); // graceful: messages being handled finish first, as in a rolling restart
            await worker.DisposeAsync();
        }
        _workers = [];
        await StartWorkersAsync();
    }

    private async Task StartWorkersAsync()
    {
        for (var i = 0; i < Replicas; i++) _workers.Add(await WorkerHost.StartAsync(WorkerSettings(), Logs));
    }

    /// <summary>Waits until the conversation's row in PostgreSQL is in <paramref name="state"/>: what a restart must not lose.</summary>
    public async Task WaitForStoredStateAsync(Guid conversationId, string state, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(timeout.Token);
        while (true)
        {
            await using var select = new NpgsqlCommand($"SELECT state::json->>'CurrentState' FROM {Table} WHERE correlation_id = @id", connection);
            select.Parameters.AddWithValue("id", conversationId);
            try
            {
                if (await select.ExecuteScalarAsync(timeout.Token) as string == state) return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                // The saga creates its table with its first message, which may still be on its way.
            }
            await Task.Delay(50, timeout.Token);
        }
    }

    /// <summary>One top-level member of the conversation's stored state, as text (null when absent or null).</summary>
    public async Task<string?> StoredMemberAsync(Guid conversationId, string member)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var select = new NpgsqlCommand($"SELECT state::json->>@member FROM {Table} WHERE correlation_id = @id", connection);
        select.Parameters.AddWithValue("id", conversationId);
        select.Parameters.AddWithValue("member", member);
        return await select.ExecuteScalarAsync() as string;
    }

    private async Task<string> DiagnoseAsync(Guid conversationId)
    {
        string state;
        try
        {
            await using var connection = new NpgsqlConnection(ConnectionString);
            await connection.OpenAsync();
            await using var select = new NpgsqlCommand($"SELECT version, state::text FROM {Table} WHERE correlation_id = @id", connection);
            select.Parameters.AddWithValue("id", conversationId);
            await using var reader = await select.ExecuteReaderAsync();
            state = await reader.ReadAsync() ? $"saga row v{reader.GetInt32(0)}: {reader.GetString(1)}" : "no saga row";
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            state = "saga row unreadable: " + ex.Message;
        }
        var problems = Logs.Lines.Where(l => l.StartsWith("Warning", StringComparison.Ordinal) || l.StartsWith("Error", StringComparison.Ordinal)
                                             || l.StartsWith("Critical", StringComparison.Ordinal)).TakeLast(15);
        return $"{state}. Worker warnings and errors: {string.Join(" | ", problems)}";
    }

    /// <summary>Publishes a request that starts a conversation; its requestId is the conversation and the turn.</summary>
    /// <summary>Publishes the first request of a new conversation (whose id is the request's, <paramref name="requestId"/> or a new one).</summary>
    public async Task<Guid> StartAsync(string request, CancellationToken cancellationToken, Guid? requestId = null)
    {
        requestId ??= Guid.NewGuid();
        await Bus.Publish(new InteractionRequested { RequestId = requestId.Value, Request = Parse(request) }, cancellationToken);
        return requestId.Value;
    }

    public Task SubmitAsync(Guid conversationId, string interactionId, string callId, string resultJson, CancellationToken cancellationToken, bool isError = false) =>
        Bus.Publish(new FunctionResultSubmitted
        {
            ConversationId = conversationId, InteractionId = interactionId, CallId = callId, Result = Parse(resultJson), IsError = isError,
        }, cancellationToken);

    public static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers) await worker.DisposeAsync();
        if (_testBus is not null) await _testBus.DisposeAsync();
        if (_broker is not null) await _broker.DisposeAsync();
        if (_database is not null)
        {
            await using (var connection = new NpgsqlConnection(ConnectionString))
            {
                await connection.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP TABLE IF EXISTS {Table}", connection);
                await drop.ExecuteNonQueryAsync();
            }
            await _database.DisposeAsync();
        }
        if (Emulator is not null) await Emulator.DisposeAsync();
    }
}

/// <summary>Which conversations the test bus answers itself, and what it answered.</summary>
public sealed class AutoExecutor
{
    private readonly ConcurrentDictionary<Guid, bool> _conversations = new();

    public void Answer(Guid conversationId) => _conversations[conversationId] = true;

    public bool Answers(Guid conversationId) => _conversations.ContainsKey(conversationId);

    /// <summary>The result the executor gives a call: it names the call, so the answer shows which results it used.</summary>
    public static string ResultFor(string name, string callId) => $$"""[{"type":"text","text":"{\"{{name}}\":\"value-{{callId}}\"}"}]""";
}

/// <summary>A function executor: answers each <see cref="FunctionCallRequested"/> of an auto-answered conversation.</summary>
public sealed class AutoExecutorConsumer(AutoExecutor executor) : IConsumer<FunctionCallRequested>
{
    public Task Consume(ConsumeContext<FunctionCallRequested> context)
    {
        var call = context.Message;
        if (!executor.Answers(call.ConversationId)) return Task.CompletedTask;
        return context.Publish(new FunctionResultSubmitted
        {
            ConversationId = call.ConversationId, InteractionId = call.InteractionId, CallId = call.CallId, Name = call.Name,
            Result = ConversationFixture.Parse(AutoExecutor.ResultFor(call.Name, call.CallId)),
        });
    }
}

[CollectionDefinition(Name)]
public sealed class ConversationTests : ICollectionFixture<ConversationFixture>
{
    public const string Name = "conversations";
}
