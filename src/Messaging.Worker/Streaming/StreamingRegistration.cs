using MassTransit;
using Messaging.Interactions;
using Messaging.Interactions.Quotas;
using Messaging.Worker.Budgets;
using Messaging.Worker.Cancels;
using Messaging.Worker.Infrastructure;
using Messaging.Worker.Intake;
using Messaging.Worker.Quotas;
using Messaging.Worker.Tenants;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Streaming;

/// <summary>Adds streaming interactions to the worker: the API client, the command pipeline, the work queue and the control queue.</summary>
internal static class StreamingRegistration
{
    /// <summary>Options (<c>Worker</c> section, validated on start), the Interactions API client, the mediator, the relays and the telemetry.</summary>
    public static IServiceCollection AddInteractionStreaming(this IServiceCollection services)
    {
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>();
        // Draining: MassTransit stops taking messages at once, waits this long for the running consumers, then cancels
        // them (each hands its stream over); the host waits for that.
        services.AddOptions<MassTransitHostOptions>().Configure<IOptions<WorkerOptions>>((host, worker) => host.ConsumerStopTimeout = worker.Value.DrainTimeout);
        services.AddOptions<HostOptions>().Configure<IOptions<WorkerOptions>>((host, worker) =>
            host.ShutdownTimeout = worker.Value.DrainTimeout + WorkerOptions.HandOverAllowance);
        services.AddInteractionsClient();
        services.AddOptions<QuotaOptions>().BindConfiguration(QuotaOptions.SectionName)
            .Validate(static q => q.MaxWait >= TimeSpan.Zero, "Quota:MaxWait must not be negative.")
            .Validate(static q => q.Limits.All(static l => l.Model.Length > 0 && l.WindowSeconds > 0
                                                           && (l.RequestsPerWindow is not null || l.TokensPerWindow is not null || l.ConcurrentStreams is not null)
                                                           && l.RequestsPerWindow is null or >= 1 && l.TokensPerWindow is null or >= 1 && l.ConcurrentStreams is null or >= 1)
                                  && q.DefaultOutputTokens >= 0,
                "Quota:Limits: each needs a Model (or *), a positive WindowSeconds, and RequestsPerWindow, TokensPerWindow or ConcurrentStreams (at least 1); Quota:DefaultOutputTokens must not be negative.")
            .ValidateOnStart();
        services.AddOptions<TenantOptions>().BindConfiguration(TenantOptions.SectionName).ValidateOnStart();
        services.AddSingleton<TenantResolver>();
        services.AddOptions<BudgetOptions>().BindConfiguration(BudgetOptions.SectionName)
            .Validate(static b => new[] { b.Conversation, b.Tenant }.Concat(b.Tenants.Values).All(static l => l is null || l.Tokens is null or >= 1),
                "Budgets: each Tokens must be at least 1 (leave it out for no budget).")
            .ValidateOnStart();
        services.AddSingleton<TokenBudgets>();
        services.AddSingleton<IQuotaAdmission, WindowAdmission>();
        services.AddSingleton<TokenAdmission>();
        services.AddSingleton<StreamAdmission>();
        services.AddHostedService(static sp => sp.GetRequiredService<StreamAdmission>());
        services.AddSingleton<ApiKeyFingerprint>();
        services.AddSingleton<QuotaDeferrals>();
        services.AddHostedService<QuotaCooldownBroadcast>();
        services.AddWorkerMediator();
        services.AddSingleton<InFlightInteractions>();
        services.AddSingleton<CancelDispatcher>();
        services.AddSingleton<WorkQueue>();
        services.AddSingleton<WorkLanes>();
        services.AddSingleton<LaneTopology>();
        services.AddHostedService(static sp => sp.GetRequiredService<LaneTopology>()); // before the bus: registered ahead of AddMessagingBus
        services.AddReceiveEndpointObserver(static sp => sp.GetRequiredService<LaneTopology>());
        services.AddScoped<RequestEnds>();
        services.AddTransient<ApiCancellation>();
        services.AddSingleton<RequestWaits>();
        services.AddSingleton<RequestAnswers>();
        services.AddSingleton<LargeMessageMemory>();
        services.AddSingleton<MemoryBudget>();
        services.AddScoped<InteractionRelayFactory>();
        services.AddSingleton<WorkerTelemetry>();
        services.AddMetrics();
        return services;
    }

    /// <summary>The work queue's consumer, and the cancel consumer (bound to each replica's control queue only).</summary>
    public static void AddInteractionStreamingConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<InteractionRequestedConsumer, InteractionRequestedConsumerDefinition>().ExcludeFromConfigureEndpoints(); // AddWorkQueueLanes
        bus.AddConsumer<InteractionRequestedPoisonConsumer, InteractionRequestedPoisonConsumerDefinition>();
        bus.AddConsumer<CancelInteractionConsumer>().ExcludeFromConfigureEndpoints();
        bus.AddConsumer<QuotaCooldownConsumer>().ExcludeFromConfigureEndpoints();
    }

    /// <summary>The work queue and, on RabbitMQ, its small lane (<see cref="WorkLanes"/>): one consumer on both.</summary>
    public static void AddWorkQueueLanes(this IBusFactoryConfigurator bus, IBusRegistrationContext context)
    {
        var lanes = context.GetRequiredService<WorkLanes>();
        bus.ReceiveEndpoint(lanes.Entry, e => e.ConfigureConsumer<InteractionRequestedConsumer>(context));
        if (!lanes.Active) return;
        var queues = new LaneErrorQueues(lanes, bus.SendTopology.ErrorQueueNameFormatter, bus.SendTopology.DeadLetterQueueNameFormatter);
        bus.SendTopology.ErrorQueueNameFormatter = queues;
        bus.SendTopology.DeadLetterQueueNameFormatter = queues;
        bus.ReceiveEndpoint(lanes.SmallLane, e => e.ConfigureConsumer<InteractionRequestedConsumer>(context));
    }

    /// <summary>Each replica's own control queue (non-durable, auto-deleted, uniquely named): every replica gets every cancel and every quota cooldown.</summary>
    public static void AddInteractionControlQueue(this IBusFactoryConfigurator bus, IBusRegistrationContext context) =>
        bus.ReceiveEndpoint(new TemporaryEndpointDefinition("interaction-control"), e =>
        {
            e.ConfigureConsumer<CancelInteractionConsumer>(context);
            e.ConfigureConsumer<QuotaCooldownConsumer>(context); // and every quota cooldown
        });
}
