using System.Collections.Concurrent;
using MassTransit;
using MassTransit.Serialization;

namespace Messaging.Worker.Conversations;

/// <summary>
/// Plain JSON has no envelope to say what it is, and the saga's queue takes many types: without this, a plain-JSON
/// <c>InteractionRequested</c> would also be read as a <c>ConversationTurnRequested</c> (and rejected for its missing
/// input). A plain-JSON message that came through a message type's exchange is that type and no other; one that came
/// another way (sent to the queue itself) is read as before, as any type the saga takes.
/// <para>
/// MassTransit runs an endpoint's filters once per message type the endpoint takes, on the message already read as
/// that type: this filter lets through only the type whose exchange the delivery came through.
/// </para>
/// </summary>
internal sealed class ExchangeTypedRawMessages(IRegistrationContext registration) : IFilter<ConsumeContext>
{
    private static readonly ConcurrentDictionary<Type, Type?> MessageTypes = new();
    private readonly ConcurrentDictionary<Type, string> _exchanges = new();
    private IBus? _bus;

    public void Probe(ProbeContext context) => context.CreateFilterScope("exchangeTypedRawMessages");

    public Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.SerializerContext is SystemTextJsonRawSerializerContext
            && context.ReceiveContext.TryGetPayload(out RabbitMqBasicConsumeContext? delivery)
            && !string.IsNullOrEmpty(delivery.Exchange)
            && MessageTypes.GetOrAdd(context.GetType(), MessageTypeOf) is { } type
            && ExchangeOf(type) != delivery.Exchange)
            return Task.CompletedTask; // not this type: it came through another type's exchange
        return next.Send(context);
    }

    private string ExchangeOf(Type type) => _exchanges.GetOrAdd(type, t =>
    {
        _bus ??= registration.GetRequiredService<IBus>();
        var topology = typeof(IBusTopology).GetMethod(nameof(IBusTopology.Message))!.MakeGenericMethod(t).Invoke(_bus.Topology, null)!;
        return (string)topology.GetType().GetProperty(nameof(IMessageTopology<object>.EntityName))!.GetValue(topology)!;
    });

    private static Type? MessageTypeOf(Type contextType) => contextType.GetInterfaces()
        .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ConsumeContext<>))?.GetGenericArguments()[0];
}
