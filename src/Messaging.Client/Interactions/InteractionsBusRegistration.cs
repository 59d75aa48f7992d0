using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Messaging.Client.Interactions;

/// <summary>Adds <see cref="IInteractionsBus"/> and function executors to the caller's MassTransit bus.</summary>
public static class InteractionsBusRegistration
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// <see cref="IInteractionsBus"/> (and an <see cref="Microsoft.Extensions.AI.IChatClient"/> over it, <see cref="Chat.BusChatClient"/>), and this instance's durable reply queue (<see cref="InteractionsBusOptions.ReplyQueue"/>),
    /// bound to no exchange: it receives what is sent to it, its own answers only, and survives a broker restart.
    /// </summary>
    public static IBusRegistrationConfigurator AddInteractionsBus(this IBusRegistrationConfigurator bus, Action<InteractionsBusOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(bus);
        var options = new InteractionsBusOptions();
        configure?.Invoke(options);
        System.ComponentModel.DataAnnotations.Validator.ValidateObject(options, new System.ComponentModel.DataAnnotations.ValidationContext(options), validateAllProperties: true);
        bus.TryAddSingleton(Options.Create(options));
        bus.TryAddSingleton<TurnStreams>();
        bus.TryAddSingleton<IInteractionsBus, InteractionsBus>();
        bus.TryAddSingleton<Microsoft.Extensions.AI.IChatClient>(sp => new Chat.BusChatClient(sp.GetRequiredService<IInteractionsBus>(), sp.GetRequiredService<IBus>()));
        bus.AddConsumer<ReplyQueueConsumer>().Endpoint(e =>
        {
            e.Name = options.ReplyQueue;
            e.ConfigureConsumeTopology = false;
            e.PrefetchCount = options.PrefetchCount;
            e.ConcurrentMessageLimit = options.ConcurrentReplies;
        });
        return bus;
    }

    /// <summary>
    /// Answers the saga's calls of <paramref name="name"/> with <paramref name="handler"/>: its arguments read as
    /// <typeparamref name="TArgs"/> (camelCase or as written), its result written as JSON. Replicas of the service share one
    /// queue per function (<c>fn-{name}</c>), so each call is answered once.
    /// </summary>
    public static IBusRegistrationConfigurator AddFunctionExecutor<TArgs, TResult>(this IBusRegistrationConfigurator bus, string name,
        Func<TArgs, CancellationToken, Task<TResult>> handler)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(handler);
        bus.AddSingleton(new FunctionExecutor(name, async (arguments, token) =>
        {
            var args = arguments.Deserialize<TArgs>(Web)!;
            return JsonSerializer.SerializeToElement(await handler(args, token).ConfigureAwait(false), Web);
        }));
        if (!bus.Any(d => d.ImplementationType == typeof(FunctionExecutorsHost))) bus.AddHostedService<FunctionExecutorsHost>();
        return bus;
    }
}
