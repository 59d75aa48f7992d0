namespace Messaging.Worker.Tenants;

/// <summary>Where a request's tenant comes from (configuration section <c>Tenants</c>).</summary>
public sealed class TenantOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Tenants";

    /// <summary>
    /// <see cref="TenantSource.Body"/> (default): the <c>tenant</c> member, as written — for a bus whose publishers are
    /// trusted alike. <see cref="TenantSource.BrokerUser"/>: the message's AMQP <c>user-id</c>, which RabbitMQ verifies
    /// against the connection's user, mapped through <see cref="Users"/>.
    /// </summary>
    public TenantSource Source { get; set; } = TenantSource.Body;

    /// <summary>Broker user → tenant, for <see cref="TenantSource.BrokerUser"/> (e.g. <c>Tenants:Users:billing-svc</c> = <c>billing</c>); a user not listed is its own tenant.</summary>
    public IDictionary<string, string> Users { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Broker users whose messages' <c>tenant</c> member is honoured under <see cref="TenantSource.BrokerUser"/> (a
    /// gateway that publishes for many tenants). The worker's own user always is: its saga's continuations and its own
    /// copies of a request carry the tenant it resolved.
    /// </summary>
    public IList<string> TrustedUsers { get; } = [];
}

/// <summary>Where a request's tenant comes from.</summary>
public enum TenantSource
{
    /// <summary>The message's <c>tenant</c> member.</summary>
    Body,
    /// <summary>The message's AMQP <c>user-id</c> property (verified by RabbitMQ).</summary>
    BrokerUser,
}
