using MassTransit;
using Messaging.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Client.Tests;

/// <summary>The bus's short reconnect schedule takes on the MassTransit version the product ships with (it reaches into its internals).</summary>
public sealed class BrokerReconnectTests
{
    [Fact]
    public async Task The_rabbitmq_host_of_this_MassTransit_version_takes_the_short_reconnect_schedule()
    {
        bool? applied = null;
        var services = new ServiceCollection();
        services.AddMassTransit(x => x.UsingRabbitMq((_, bus) =>
        {
            bus.Host(new Uri("amqp://guest:guest@127.0.0.1:1/")); // never connected: configuring is enough
            applied = BrokerReconnect.Apply(bus);
        }));
        await using var provider = services.BuildServiceProvider();

        _ = provider.GetRequiredService<IBusControl>(); // builds the bus, which runs the configuration

        Assert.True(applied, "MassTransit's RabbitMQ host configuration no longer has the fields BrokerReconnect replaces");
    }
}
