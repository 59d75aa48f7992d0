using Messaging.Client;
using Messaging.Worker.Streaming;

namespace Messaging.Worker.Publishing;

/// <summary>Adds how the worker publishes a stream's events.</summary>
internal static class PublishingRegistration
{
    /// <summary>Straight to RabbitMQ when it can (<see cref="WorkerOptions.DirectPublishing"/>), else through MassTransit.</summary>
    public static IServiceCollection AddStreamPublishing(this IServiceCollection services, IConfiguration configuration)
    {
        var rabbitMq = configuration.GetSection(BusOptions.SectionName).Get<BusOptions>()?.RabbitMqUrl is not null;
        var direct = configuration.GetSection(WorkerOptions.SectionName).Get<WorkerOptions>()?.DirectPublishing ?? true;
        // A singleton (one connection per replica); never a scoped factory, whose scope would dispose it.
        if (rabbitMq && direct) services.AddSingleton<IStreamEventPublisher, RabbitMqStreamEventPublisher>();
        else services.AddScoped<IStreamEventPublisher, MassTransitStreamEventPublisher>();
        services.AddScoped<RequesterReplies>();
        return services;
    }
}
