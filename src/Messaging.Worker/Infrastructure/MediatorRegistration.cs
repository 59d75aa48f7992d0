using FluentValidation;
using Mediator;
using Messaging.Worker.Streaming;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Worker.Infrastructure;

// No `using MassTransit;` here: MassTransit has its own AddMediator extension, and the Mediator source
// generator must see its own call, with literal option values, to generate the registrations.
internal static class MediatorRegistration
{
    /// <summary>The mediator (scoped: handlers publish through the consuming message's context) and the validators.</summary>
    public static IServiceCollection AddWorkerMediator(this IServiceCollection services)
    {
        services.AddMediator((MediatorOptions options) =>
        {
            options.ServiceLifetime = ServiceLifetime.Scoped;
            options.Assemblies = [typeof(StreamInteraction)];
            options.PipelineBehaviors = [typeof(ValidationBehavior<,>)];
        });
        services.AddSingleton<IValidator<StreamInteraction>, StreamInteractionValidator>();
        return services;
    }
}
