using MassTransit;

namespace Messaging.Client;

/// <summary>
/// The broker user a bus connects as, and the AMQP <c>user-id</c> property that names it on every message it sends.
/// RabbitMQ refuses a message whose <c>user-id</c> is not the connection's user, so a consumer can trust it: the worker
/// takes a request's tenant from it where publishers have broker users of their own (<c>Tenants:Source</c>
/// <c>BrokerUser</c>).
/// </summary>
public static class BrokerUser
{
    /// <summary>The user in the broker's URL (<c>amqp://user:password@host/</c>), unescaped; <c>guest</c>, RabbitMQ's default, when it names none.</summary>
    public static string Of(Uri rabbitMqUrl)
    {
        ArgumentNullException.ThrowIfNull(rabbitMqUrl);
        var user = rabbitMqUrl.UserInfo.Split(':', 2)[0];
        return user.Length == 0 ? "guest" : Uri.UnescapeDataString(user);
    }

    /// <summary>The AMQP <c>user-id</c> of a received message; null when it has none (or did not come from RabbitMQ).</summary>
    public static string? IdOf(ReceiveContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.TryGetPayload(out RabbitMqBasicConsumeContext? delivery) && !string.IsNullOrEmpty(delivery.Properties.UserId)
            ? delivery.Properties.UserId
            : null;
    }

    /// <summary>Sets the <c>user-id</c> of every message the bus sends or publishes to <paramref name="user"/> (the connection's user).</summary>
    public static void Stamp(IBusFactoryConfigurator bus, string user)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.ConfigureSend(send => send.UseExecute(context => StampOne(context, user)));
        bus.ConfigurePublish(publish => publish.UseExecute(context => StampOne(context, user)));
    }

    private static void StampOne(SendContext context, string user)
    {
        if (context.TryGetPayload(out RabbitMqSendContext? rabbit)) rabbit.BasicProperties.UserId = user;
    }
}
