using Messaging.Emulator.Api;
using Messaging.Emulator.Control;
using Messaging.Emulator.Conversation;
using Messaging.Emulator.Model;
using Messaging.Emulator.Quotas;
using Messaging.Emulator.Signatures;
using Messaging.Emulator.Store;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Messaging.Emulator.Hosting;

/// <summary>Registers the emulator's services.</summary>
internal static class EmulatorServiceCollectionExtensions
{
    /// <summary>
    /// Adds the emulator. With <paramref name="options"/> that very instance is used (tests may
    /// change it on a running server); without, options are bound from the "Emulator" section.
    /// </summary>
    public static IServiceCollection AddEmulator(this IServiceCollection services, EmulatorOptions? options)
    {
        if (options is null)
        {
            services.AddOptions<EmulatorOptions>().BindConfiguration(EmulatorOptions.SectionName).ValidateOnStart();
            services.AddSingleton<IValidateOptions<EmulatorOptions>, EmulatorOptionsValidator>();
        }
        else
        {
            EmulatorOptionsValidator.ThrowIfInvalid(options);
            services.AddSingleton(Options.Create(options));
        }

        services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<EmulatorOptions>>(static (kestrel, emulator) => kestrel.Limits.MaxRequestBodySize = emulator.Value.MaxRequestBodyBytes);
        // Stalled streams end with the application; a short grace keeps test servers quick to stop.
        services.Configure<HostOptions>(static host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<RequestRecorder>();
        services.AddSingleton<ControlResolver>();
        services.AddSingleton<FaultGate>();
        services.AddSingleton<QuotaLedger>();
        services.AddSingleton<InteractionStore>();
        services.AddSingleton<SigningKey>();
        services.AddSingleton<StepSigner>();
        services.AddSingleton<ContinuationTokens>();
        services.AddSingleton<HistoryVerifier>();
        services.AddSingleton<GoogleSearchScript>();
        services.AddSingleton<AgentScript>();
        services.AddSingleton<ResponsePlanner>();
        services.AddSingleton<CreateInteractionHandler>();
        services.AddSingleton<GetInteractionHandler>();
        services.AddSingleton<CancelInteractionHandler>();
        services.AddSingleton<DeleteInteractionHandler>();
        return services;
    }
}
