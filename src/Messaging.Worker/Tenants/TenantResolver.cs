using MassTransit;
using Messaging.Client;
using Messaging.Contracts;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Tenants;

/// <summary>
/// Decides whose a request is (<see cref="TenantOptions"/>): the tenant written in it, or — where publishers have broker
/// users of their own — the one its verified AMQP <c>user-id</c> names. A tenant a publisher may not claim is a problem
/// said in words (the request is rejected), never silently replaced.
/// </summary>
internal sealed class TenantResolver(IOptions<TenantOptions> options, IOptions<BusOptions> bus)
{
    /// <summary>The longest tenant accepted.</summary>
    public const int MaxLength = 128;

    private readonly string? _ownUser = bus.Value.RabbitMqUrl is { } url ? BrokerUser.Of(url) : null;

    /// <summary>The tenant of a message received with <paramref name="receive"/> that says <paramref name="written"/>; or why it may not be.</summary>
    public TenantResolution Resolve(ReceiveContext receive, string? written)
    {
        ArgumentNullException.ThrowIfNull(receive);
        if (written is not null && Invalid(written) is { } invalid) return TenantResolution.Refused(invalid);
        var settings = options.Value;
        if (settings.Source == TenantSource.Body || _ownUser is null) return new(written, null);

        var user = BrokerUser.IdOf(receive);
        if (user is null)
            return TenantResolution.Refused("tenants are taken from the AMQP user-id property here (Tenants:Source BrokerUser), and this message has none: " +
                                            "publish with user-id set to your broker user (Messaging.Client does: Bus:StampUserId)");
        if (user == _ownUser || settings.TrustedUsers.Contains(user)) return new(written, null);
        var tenant = settings.Users.TryGetValue(user, out var mapped) ? mapped : user;
        if (written is not null && written != tenant)
            return TenantResolution.Refused($"is '{written}', but messages of broker user '{user}' are tenant '{tenant}' (Tenants:Users): leave it out, or publish as that tenant's user");
        return new(tenant, null);
    }

    private static string? Invalid(string tenant)
    {
        if (tenant.Length == 0) return "must not be empty: leave it out for no tenant";
        if (tenant.Length > MaxLength) return $"is {tenant.Length} characters; the limit is {MaxLength}";
        if (tenant.Any(char.IsControl)) return "must not contain control characters";
        return null;
    }
}

/// <summary>A request's tenant (null: none), or the problem that refuses it.</summary>
internal readonly record struct TenantResolution(string? Tenant, ValidationProblem? Problem)
{
    public static TenantResolution Refused(string message) => new(null, new ValidationProblem("tenant", message));
}
