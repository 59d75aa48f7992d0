using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Sagas;

/// <summary>
/// The single-process default for a saga that falls due: MassTransit's in-memory repository plus a finder over it,
/// so the sweeper works the same with or without PostgreSQL.
/// </summary>
public static class InMemoryDueSagaRepositoryExtensions
{
    /// <summary>
    /// MassTransit's in-memory saga repository (<c>InMemoryRepository()</c>) and an <see cref="IDueSagaFinder{TSaga}"/>
    /// reading its instances. Instances live as long as the process: one replica only.
    /// </summary>
    /// <param name="saga">What <c>AddSagaStateMachine&lt;TMachine, TSaga&gt;()</c> returned.</param>
    /// <typeparam name="TSaga">The saga state.</typeparam>
    public static ISagaRegistrationConfigurator<TSaga> InMemoryDueRepository<TSaga>(this ISagaRegistrationConfigurator<TSaga> saga)
        where TSaga : class, IDueSaga
    {
        ArgumentNullException.ThrowIfNull(saga);
        saga.InMemoryRepository();
        saga.Repository(services => services.AddSingleton<IDueSagaFinder<TSaga>, InMemoryDueSagaFinder<TSaga>>());
        return saga;
    }
}
