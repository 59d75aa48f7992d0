using Messaging.Worker.Conversations;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Checkpoints;

/// <summary>Adds requests' checkpoints to the worker.</summary>
internal static class CheckpointRegistration
{
    /// <summary>
    /// Options (<c>Checkpoints</c> section, validated on start), the store — PostgreSQL when <c>ConnectionStrings:Sagas</c>
    /// is set (the saga store's database), else this process's memory — and the replica's <see cref="StreamCheckpoints"/>.
    /// </summary>
    public static IServiceCollection AddStreamCheckpoints(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CheckpointOptions>().BindConfiguration(CheckpointOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        var connectionString = configuration.GetConnectionString(ConversationOptions.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString)) services.AddSingleton<IStreamCheckpointStore, InMemoryStreamCheckpointStore>();
        else services.AddSingleton<IStreamCheckpointStore>(sp => new NpgsqlStreamCheckpointStore(connectionString, sp.GetRequiredService<IOptions<CheckpointOptions>>()));
        // The quota windows and the budgets live where the checkpoints do: shared by the replicas when there is a database.
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            services.AddSingleton<Quotas.IQuotaWindowStore, Quotas.InMemoryQuotaWindowStore>();
            services.AddSingleton<Quotas.IQuotaStreamStore, Quotas.InMemoryQuotaStreamStore>();
            services.AddSingleton<Budgets.IBudgetStore, Budgets.InMemoryBudgetStore>();
        }
        else
        {
            services.AddSingleton<Quotas.IQuotaWindowStore>(_ => new Quotas.NpgsqlQuotaWindowStore(connectionString));
            services.AddSingleton<Quotas.IQuotaStreamStore>(_ => new Quotas.NpgsqlQuotaStreamStore(connectionString));
            services.AddSingleton<Budgets.IBudgetStore>(_ => new Budgets.NpgsqlBudgetStore(connectionString));
        }
        services.AddSingleton<StreamCheckpoints>();
        services.AddHostedService(sp => sp.GetRequiredService<StreamCheckpoints>());
        return services;
    }
}
