using MassTransit;
using MassTransit.Configuration;
using MassTransit.Saga;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Sagas;

/// <summary>
/// Puts a saga's instances in PostgreSQL through Npgsql alone: MassTransit 8.5's EF Core, Marten, Redis and Dapper
/// repositories are not available to this service, and the state must stay byte-identical JSON.
/// </summary>
public static class NpgsqlSagaRepositoryExtensions
{
    /// <summary>
    /// Keeps the saga's instances in one PostgreSQL table (created on first use) with optimistic concurrency: a write
    /// that lost a race throws <see cref="ConcurrencyException"/>. The saga's endpoint must retry that exception and
    /// buffer what the saga publishes until the write succeeded, or a retried message publishes twice:
    /// <code>
    /// e.UseMessageRetry(r => r.Handle&lt;ConcurrencyException&gt;().Intervals(10, 50, 100, 200, 500));
    /// e.UseInMemoryOutbox(context);
    /// </code>
    /// When <typeparamref name="TSaga"/> implements <see cref="IDueSaga"/>, <c>due_at</c> follows
    /// <see cref="IDueSaga.DueAt"/> and an <see cref="IDueSagaFinder{TSaga}"/> reading the table is registered.
    /// </summary>
    /// <param name="saga">What <c>AddSagaStateMachine&lt;TMachine, TSaga&gt;()</c> returned.</param>
    /// <param name="connectionString">An Npgsql connection string; the role needs CREATE on the schema for the first start.</param>
    /// <param name="configure">Table, schema and JSON settings; see <see cref="NpgsqlSagaRepositoryOptions"/>.</param>
    /// <typeparam name="TSaga">The saga state: a <see cref="SagaStateMachineInstance"/> that implements <see cref="ISagaVersion"/>.</typeparam>
    public static ISagaRegistrationConfigurator<TSaga> NpgsqlRepository<TSaga>(this ISagaRegistrationConfigurator<TSaga> saga,
        string connectionString, Action<NpgsqlSagaRepositoryOptions>? configure = null)
        where TSaga : class, ISagaVersion
    {
        ArgumentNullException.ThrowIfNull(saga);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var options = new NpgsqlSagaRepositoryOptions();
        configure?.Invoke(options);
        // Bad names fail at registration, not at the first message.
        _ = NpgsqlSagaTable.For(typeof(TSaga), options);

        saga.Repository(services =>
        {
            services.AddSingleton(_ => new NpgsqlSagaStore<TSaga>(connectionString, options));
            services.RegisterLoadSagaRepository<TSaga, NpgsqlSagaRepositoryContextFactory<TSaga>>();
            services.RegisterQuerySagaRepository<TSaga, NpgsqlSagaRepositoryContextFactory<TSaga>>();
            services.RegisterSagaRepository<TSaga, NpgsqlSagaStore<TSaga>, SagaConsumeContextFactory<NpgsqlSagaStore<TSaga>, TSaga>,
                NpgsqlSagaRepositoryContextFactory<TSaga>>();
            // The store answers due queries for sagas that keep a due time (its due_at column).
            if (typeof(IDueSaga).IsAssignableFrom(typeof(TSaga)))
                services.AddSingleton<IDueSagaFinder<TSaga>>(provider => provider.GetRequiredService<NpgsqlSagaStore<TSaga>>());
        });
        return saga;
    }
}
