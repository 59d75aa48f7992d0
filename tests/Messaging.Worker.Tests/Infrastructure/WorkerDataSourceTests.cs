using System.Text.Json;
using Messaging.Contracts;
using Messaging.Worker.Tests.Quotas;
using Npgsql;

namespace Messaging.Worker.Tests.Infrastructure;

/// <summary>
/// A replica draws every connection to PostgreSQL from one pool: its checkpoints, remembered cancels, quota windows and
/// places, and token budgets together hold no more than the connection string's <c>Maximum Pool Size</c>, so replicas ×
/// pool size is what the database must allow.
/// </summary>
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
public sealed class WorkerDataSourceTests
{
    private const int PoolSize = 3;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_store_of_a_replica_shares_one_pool_of_connections()
    {
        var application = $"pool-{Guid.NewGuid():N}"[..20];
        var database = await Messaging.Testing.TestService.PostgreSqlAsync();
        var pooled = new NpgsqlConnectionStringBuilder(database.Address) { ApplicationName = application, MaxPoolSize = PoolSize }.ConnectionString;
        await using var rig = await QuotaRig.StartAsync(1, [], new()
        {
            ["ConnectionStrings:Sagas"] = pooled,
            ["Quota:Limits:0:Model"] = "*",
            ["Quota:Limits:0:RequestsPerWindow"] = "1000",
            ["Quota:Limits:0:TokensPerWindow"] = "100000000",
            ["Quota:Limits:0:ConcurrentStreams"] = "100",
            ["Quota:Limits:0:WindowSeconds"] = "60",
            ["Budgets:Conversation:Tokens"] = "100000000",
        });

        var ids = Enumerable.Range(0, 12).Select(_ => Guid.NewGuid()).ToList();
        await Task.WhenAll(ids.Select(id => rig.Bus.Publish(new InteractionRequested
        {
            RequestId = id,
            Request = JsonSerializer.SerializeToElement(new { model = "gemini-3.5-flash", input = $"pool test {id}", labels = new { emulator_chunks = "4" } }),
        }, Ct)));
        foreach (var id in ids) Assert.Single((await rig.Events.FinishedAsync(id)).Of<InteractionCompleted>());

        // Idle connections stay open for minutes: what the replica ever opened at once is still there to count.
        await using var connection = new NpgsqlConnection(database.Address);
        await connection.OpenAsync(Ct);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", connection) { Parameters = { new() { Value = application } } };
        var opened = (long)(await count.ExecuteScalarAsync(Ct))!;
        Assert.InRange(opened, 1, PoolSize);
    }
}
