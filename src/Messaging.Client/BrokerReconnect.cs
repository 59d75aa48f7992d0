using System.Reflection;
using MassTransit;
using MassTransit.RabbitMqTransport;
using MassTransit.RabbitMqTransport.Configuration;
using RabbitMQ.Client.Exceptions;

namespace Messaging.Client;

/// <summary>
/// How soon the bus reconnects after it lost the broker. MassTransit 8's RabbitMQ transport retries a lost receive
/// transport on a fixed exponential schedule (3 s, then about 6, 13, 28 and 30 s between attempts, never reset), so a
/// bus came back 9–34 s after a broker restart and every later outage waited longer. Nothing in its configuration
/// changes that schedule (the policy is a get-only property of its host configuration), so this replaces it — same
/// exceptions handled, a short fixed interval — through reflection on the pinned version (8.5.x; 9 is not an option:
/// its licence). If the fields are not found (another version), the bus keeps MassTransit's schedule and a warning
/// says so; the broker-outage fault test measures the result either way.
/// </summary>
internal static class BrokerReconnect
{
    /// <summary>Between reconnect attempts (MassTransit adds a 1 s pause of its own after each failed run of a transport).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    /// <summary>Gives the bus's RabbitMQ host the short reconnect schedule; false when this MassTransit version does not allow it.</summary>
    public static bool Apply(IRabbitMqBusFactoryConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        var hostField = bus.GetType().GetField("_hostConfiguration", BindingFlags.Instance | BindingFlags.NonPublic);
        if (hostField?.GetValue(bus) is not RabbitMqHostConfiguration host) return false;
        var policyField = typeof(RabbitMqHostConfiguration).GetField("<ReceiveTransportRetryPolicy>k__BackingField", BindingFlags.Instance | BindingFlags.NonPublic);
        if (policyField is null || policyField.FieldType != typeof(IRetryPolicy)) return false;
        policyField.SetValue(host, Retry.CreatePolicy(x =>
        {
            // The exceptions MassTransit's own policy retries on.
            x.Handle<ConnectionException>();
            x.Handle<AlreadyClosedException>();
            x.Handle<EndOfStreamException>();
            x.Handle<OperationInterruptedException>(exception => exception.ChannelShouldBeClosed());
            x.Handle<NotSupportedException>(exception => exception.Message.Contains("Pipelining of requests forbidden", StringComparison.Ordinal));
            x.Ignore<AuthenticationFailureException>();
            x.Incremental(int.MaxValue, Interval, TimeSpan.Zero); // a fixed interval, computed per attempt (Interval() allocates one per retry)
        }));
        return true;
    }
}
