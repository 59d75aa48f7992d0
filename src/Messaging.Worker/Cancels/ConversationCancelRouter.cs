using MassTransit;
using Messaging.Client;
using MassTransit.Saga;
using Messaging.Contracts;
using Messaging.Worker.Conversations;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Cancels;

/// <summary>
/// Finds the conversation of a <see cref="CancelInteraction"/> that names only a turn, a request or an interaction,
/// and publishes the cancel again with its <c>conversationId</c>, for the saga: a turn waiting behind another, or one whose
/// round waits for function results, has no stream for a replica to stop, so only the saga can end it. A
/// conversation's first request or turn carries its id (the fast path, one lookup by key); any other is found with a
/// query over the saga store (in PostgreSQL, a read of the whole table: give <c>conversationId</c> where it is known).
/// One queue for all replicas, so each cancel is looked up once.
/// </summary>
internal sealed class ConversationCancelRouter(
    ILoadSagaRepository<ConversationState> load,
    IQuerySagaRepository<ConversationState> query,
    ConversationStateMachine machine) : IConsumer<CancelInteraction>
{
    public async Task Consume(ConsumeContext<CancelInteraction> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cancel = context.Message;
        if (cancel.ConversationId is not null || cancel is { TurnId: null, RequestId: null, InteractionId: null }) return;

        if (await FindAsync(cancel) is not { } conversationId)
        {
            // The cancel may have overtaken its request; once it is old enough it was for no conversation.
            await machine.Rules.WaitIfEarly(context);
            return;
        }
        // Published, not sent to the saga's queue: replicas still holding the request see the same cancel again, which changes nothing.
        await context.Publish(cancel with { ConversationId = conversationId }, context.CancellationToken);
    }

    private async Task<Guid?> FindAsync(CancelInteraction cancel)
    {
        foreach (var id in new[] { cancel.RequestId, cancel.TurnId })
            if (id is { } key && await load.Load(key) is { } first && Names(first, cancel))
                return first.CorrelationId;
        var found = await query.Find(new SagaQuery<ConversationState>(s =>
            (cancel.RequestId != null && (s.RequestId == cancel.RequestId || s.QueuedTurns.Any(t => t.RequestId == cancel.RequestId)))
            || (cancel.TurnId != null && (s.TurnId == cancel.TurnId || s.QueuedTurns.Any(t => t.RequestId == cancel.TurnId)))
            || (cancel.InteractionId != null && (s.InteractionId == cancel.InteractionId || (s.Awaiting != null && s.Awaiting.InteractionId == cancel.InteractionId)))));
        return found.Select(id => (Guid?)id).FirstOrDefault();
    }

    private static bool Names(ConversationState saga, CancelInteraction cancel) =>
        saga.IsTargetedBy(cancel) || (cancel.TurnId ?? cancel.RequestId) is { } turn && saga.QueuedTurns.Any(t => t.RequestId == turn);
}

/// <summary>The router's queue: a cancel that overtook its request is retried until it is known or old enough.</summary>
internal sealed class ConversationCancelRouterDefinition : ConsumerDefinition<ConversationCancelRouter>
{
    private readonly ConversationOptions _options;
    private readonly BusOptions _bus;

    /// <summary>Reads the early-event patience and the queue type from the options.</summary>
    public ConversationCancelRouterDefinition(IOptions<ConversationOptions> options, IOptions<BusOptions> bus)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(bus);
        _options = options.Value;
        _bus = bus.Value;
    }
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<ConversationCancelRouter> consumerConfigurator,
        IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpointConfigurator);
        endpointConfigurator.UseSharedQueue(_bus);
        endpointConfigurator.UseMessageRetry(r =>
        {
            r.Handle<EarlyEventException>();
            r.Intervals(ConversationStateDefinition.EarlyEventRetryIntervals(_options.EarlyEventPatience));
        });
    }
}
