using MassTransit;
using Messaging.Client;
using Messaging.Worker.Cancels;
using Messaging.Worker.Checkpoints;
using Messaging.Worker.Conversations;
using Messaging.Worker.Publishing;
using Messaging.Worker.Streaming;

namespace Messaging.Worker.Infrastructure;

/// <summary>Registers the worker in any host: each feature registers itself, on the bus every Messaging service shares.</summary>
public static class MessagingWorkerExtensions
{
    /// <summary>
    /// Everything the worker needs: streaming interactions (options validated on start, the Interactions API client,
    /// the mediator with its validation pipeline), publishing their events, the conversation saga (unless
    /// <c>Conversations:Enabled</c> is false), and the bus with the worker's endpoints
    /// (<see cref="MessagingBusExtensions.AddMessagingBus"/>). Another process (the CLI) hosts the worker in-process with this call.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The host's configuration; <c>Bus:RabbitMqUrl</c> picks the transport.</param>
    /// <param name="configureBus">Adds the caller's own consumers, sagas or settings to the same bus.</param>
    public static IServiceCollection AddMessagingWorker(this IServiceCollection services, IConfiguration configuration,
        Action<IBusRegistrationConfigurator>? configureBus = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddInteractionStreaming();
        services.AddStreamCheckpoints(configuration);
        services.AddRememberedCancels(configuration);
        services.AddStreamPublishing(configuration);
        return services.AddMessagingBus(configuration, x =>
        {
            x.AddInteractionStreamingConsumers();
            x.AddCancelRecording();
            x.AddConversations(services, configuration);
            configureBus?.Invoke(x);
        }, (context, bus) =>
        {
            bus.AddWorkQueueLanes(context);
            bus.AddInteractionControlQueue(context);
        });
    }
}
