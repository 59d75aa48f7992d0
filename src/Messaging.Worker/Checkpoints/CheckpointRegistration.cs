using Messaging.Worker.Conversations;
using Messaging.Worker.Infrastructure;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

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
        else services.AddWorkerDataSource(connectionString).AddSingleton<IStreamCheckpointStore>(sp =>
            new NpgsqlStreamCheckpointStore(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<IOptions<CheckpointOptions>>()));
        // The quota windows and the budgets live where the checkpoints do: shared by the replicas when there is a database.
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            services.AddSingleton<Quotas.IQuotaWindowStore, Quotas.InMemoryQuotaWindowStore>();
            services.AddSingleton<Quotas.IQuotaStreamStore, Quotas.InMemoryQuotaStreamStore>();
            services.AddSingleton<Budgets.IBudgetStore, Budgets.InMemoryBudgetStore>();
        }
        else
        {
            services.AddSingleton<Quotas.IQuotaWindowStore>(sp => new Quotas.NpgsqlQuotaWindowStore(sp.GetRequiredService<NpgsqlDataSource>()));
            services.AddSingleton<Quotas.IQuotaStreamStore>(sp => new Quotas.NpgsqlQuotaStreamStore(sp.GetRequiredService<NpgsqlDataSource>()));
            services.AddSingleton<Budgets.IBudgetStore>(sp => new Budgets.NpgsqlBudgetStore(sp.GetRequiredService<NpgsqlDataSource>()));
        }
        services.AddSingleton<StreamCheckpoints>();
        services.AddHostedService(sp => sp.GetRequiredService<StreamCheckpoints>());
        return services;
    }
}
