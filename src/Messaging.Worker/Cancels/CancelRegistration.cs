using MassTransit;
using Messaging.Worker.Conversations;
using Messaging.Worker.Infrastructure;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Messaging.Worker.Cancels;

/// <summary>Adds remembered cancels to the worker.</summary>
internal static class CancelRegistration
{
    /// <summary>
    /// Options (<c>Cancels</c> section, validated on start), the store — PostgreSQL when <c>ConnectionStrings:Sagas</c> is
    /// set, else this process's memory — and the replica's <see cref="RememberedCancels"/>.
    /// </summary>
    public static IServiceCollection AddRememberedCancels(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CancelOptions>().BindConfiguration(CancelOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        var connectionString = configuration.GetConnectionString(ConversationOptions.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString)) services.AddSingleton<ICancelStore, InMemoryCancelStore>();
        else services.AddWorkerDataSource(connectionString).AddSingleton<ICancelStore>(sp =>
            new NpgsqlCancelStore(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<IOptions<CancelOptions>>()));
        services.AddSingleton<RememberedCancels>();
        services.AddHostedService(sp => sp.GetRequiredService<RememberedCancels>());
        return services;
    }

    /// <summary>The durable queue every cancel is recorded from (<c>interaction-cancels</c>, shared by the replicas).</summary>
    public static void AddCancelRecording(this IBusRegistrationConfigurator bus) => bus.AddConsumer<InteractionCancelsConsumer, InteractionCancelsConsumerDefinition>();
}
