using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using MassTransit;
using MassTransit.Context;
using MassTransit.Serialization;

namespace Messaging.Worker.Conversations;

/// <summary>
/// Plain JSON has no envelope to say what it is, and the saga's queue takes many types: without this, a plain-JSON
/// <c>InteractionRequested</c> would also be read as a <c>ConversationTurnRequested</c> (and rejected for its missing
/// input). A plain-JSON message that came through a message type's exchange is that type and no other; one that came
/// another way (sent to the queue itself) is read as before, as any type the saga takes.
/// </summary>
internal sealed class ExchangeTypedRawMessages(IRegistrationContext registration) : IFilter<ConsumeContext>
{
    private IBus? _bus;

    public void Probe(ProbeContext context) => context.CreateFilterScope("exchangeTypedRawMessages");

    public Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.SerializerContext is SystemTextJsonRawSerializerContext
            && context.ReceiveContext.TryGetPayload(out RabbitMqBasicConsumeContext? delivery)
            && !string.IsNullOrEmpty(delivery.Exchange))
        {
            _bus ??= registration.GetRequiredService<IBus>();
            return next.Send(new OneTypeConsumeContext(context, delivery.Exchange, _bus));
        }
        return next.Send(context);
    }

    /// <summary>The message is of the types whose exchange it came through (or none, when that exchange names no type).</summary>
    private sealed class OneTypeConsumeContext(ConsumeContext context, string exchange, IBus bus) : ConsumeContextProxy(context)
    {
        private static readonly ConcurrentDictionary<Type, string> Exchanges = new();

        public override bool TryGetMessage<T>([NotNullWhen(true)] out ConsumeContext<T>? consumeContext) where T : class
        {
            if (Exchanges.GetOrAdd(typeof(T), _ => bus.Topology.Message<T>().EntityName) == exchange) return base.TryGetMessage(out consumeContext);
            consumeContext = null;
            return false;
        }
    }
}
