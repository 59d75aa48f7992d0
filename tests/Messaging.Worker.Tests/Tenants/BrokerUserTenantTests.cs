using System.Text;
using System.Text.Json;
using Messaging.Contracts;
using Messaging.Worker.Tests.Quotas;
using Messaging.Worker.Tests.Support;
using RabbitMQ.Client;

namespace Messaging.Worker.Tests.Tenants;

/// <summary>
/// Where publishers have broker users of their own, a request's tenant is the one its AMQP user-id names — which
/// RabbitMQ verifies against the connection's user — not whatever its body claims. Two broker users publish plain JSON,
/// as services in other languages do; one tenant's budget is spent, the other's requests go on.
/// </summary>
[Trait("Needs", "RabbitMQ")]
[Trait("Needs", "PostgreSQL")]
public sealed class BrokerUserTenantTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_tenant_comes_from_the_verified_user_id_and_a_tenant_claimed_in_the_body_is_refused()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (alphaUser, bravoUser, alphaTenant) = ($"svc-alpha-{suffix}", $"svc-bravo-{suffix}", $"alpha-{suffix}"); // budgets outlive the test: a tenant of its own
        await using var rig = await QuotaRig.StartAsync(1, [], new()
        {
            ["Tenants:Source"] = "BrokerUser",
            [$"Tenants:Users:{alphaUser}"] = alphaTenant,
            [$"Budgets:Tenants:{alphaTenant}:Tokens"] = "1",
        });
        await using var users = new BrokerUsers(rig.BrokerUrl);
        await using var alpha = await new ConnectionFactory { Uri = await users.AddAsync(alphaUser) }.CreateConnectionAsync(Ct);
        await using var bravo = await new ConnectionFactory { Uri = await users.AddAsync(bravoUser) }.CreateConnectionAsync(Ct);

        // alpha's first request is served (and spends alpha's budget); its second is refused for alpha's budget.
        var first = await PublishAsync(rig, alpha, alphaUser, tenant: null);
        Assert.Equal("completed", (await rig.Events.FinishedAsync(first)).Single<InteractionCompleted>().Status);
        var second = await PublishAsync(rig, alpha, alphaUser, tenant: null);
        var overBudget = (await rig.Events.FinishedAsync(second)).Single<InteractionRejected>();
        Assert.Equal(("over_budget", alphaTenant), (overBudget.Reason, overBudget.Budget!.Subject));

        // bravo cannot spend as alpha by writing alpha in the body…
        var claimed = await PublishAsync(rig, bravo, bravoUser, tenant: alphaTenant);
        var refused = (await rig.Events.FinishedAsync(claimed)).Single<InteractionRejected>();
        Assert.Equal(("invalid", "tenant"), (refused.Reason, Assert.Single(refused.Errors).Field));
        Assert.Contains($"broker user '{bravoUser}' are tenant '{bravoUser}'", refused.Errors[0].Message, StringComparison.Ordinal);
        // …nor by naming alpha's user: the broker refuses a user-id that is not the connection's.
        await using (var spoofing = await bravo.CreateChannelAsync(new CreateChannelOptions(true, true), Ct))
        {
            await Assert.ThrowsAnyAsync<Exception>(() => PublishOnAsync(rig, spoofing, alphaUser, Guid.NewGuid(), tenant: null));
            Assert.Equal((ushort)406, spoofing.CloseReason?.ReplyCode); // PRECONDITION_FAILED
        }
        // A message without a user-id has no tenant to give: refused, saying how to publish.
        var anonymous = await PublishAsync(rig, bravo, userId: null, tenant: null);
        Assert.Contains("user-id", (await rig.Events.FinishedAsync(anonymous)).Single<InteractionRejected>().Errors.Single().Message, StringComparison.Ordinal);

        // bravo as itself is its own tenant, with no budget: served.
        var own = await PublishAsync(rig, bravo, bravoUser, tenant: null);
        Assert.Equal("completed", (await rig.Events.FinishedAsync(own)).Single<InteractionCompleted>().Status);
        Assert.Equal(0, rig.CreatesFor(second.ToString()) + rig.CreatesFor(claimed.ToString()) + rig.CreatesFor(anonymous.ToString()));
    }

    private static async Task<Guid> PublishAsync(QuotaRig rig, IConnection connection, string? userId, string? tenant)
    {
        var requestId = Guid.NewGuid();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true), Ct);
        await PublishOnAsync(rig, channel, userId, requestId, tenant);
        return requestId;
    }

    private static async Task PublishOnAsync(QuotaRig rig, IChannel channel, string? userId, Guid requestId, string? tenant)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["requestId"] = requestId,
            ["tenant"] = tenant,
            ["request"] = new { model = "gemini-3.5-flash", input = $"tenant test {requestId}" },
        });
        var properties = new BasicProperties { ContentType = "application/json", MessageId = Guid.NewGuid().ToString(), Persistent = true, UserId = userId };
        await channel.BasicPublishAsync(rig.Prefix + "Messaging.Contracts:InteractionRequested", "", mandatory: false, properties, body, Ct);
    }
}
