using MassTransit;
using Messaging.Sagas;
using Messaging.Worker.Cancels;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Conversations;

/// <summary>Adds the conversation saga, its store and its sweeper to the worker.</summary>
internal static class ConversationRegistration
{
    /// <summary>
    /// Registers the saga when <c>Conversations:Enabled</c> (the default): in PostgreSQL when the connection string
    /// <c>ConnectionStrings:Sagas</c> is set, else in this process's memory.
    /// </summary>
    public static void AddConversations(this IBusRegistrationConfigurator bus, IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ConversationOptions>().BindConfiguration(ConversationOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConversationOptions>, ConversationOptionsValidator>();
        var options = configuration.GetSection(ConversationOptions.SectionName).Get<ConversationOptions>() ?? new ConversationOptions();
        if (!options.Enabled) return;

        services.TryAddSingleton(TimeProvider.System);
        var saga = bus.AddSagaStateMachine<ConversationStateMachine, ConversationState, ConversationStateDefinition>();
        bus.AddConsumer<ConversationCancelRouter, ConversationCancelRouterDefinition>();
        var connectionString = configuration.GetConnectionString(ConversationOptions.ConnectionStringName);
        if (!string.IsNullOrWhiteSpace(connectionString)) saga.NpgsqlRepository(connectionString, o => o.TableName = options.TableName);
        else saga.InMemoryDueRepository();
        services.AddSingleton(new ConversationStore(InMemory: string.IsNullOrWhiteSpace(connectionString),
            SharedBroker: !string.IsNullOrWhiteSpace(configuration["Bus:RabbitMqUrl"])));
        services.AddHostedService<ConversationSweeper>();
    }
}

/// <summary>Where the saga keeps conversations, so the sweeper can warn about memory on a shared broker.</summary>
/// <param name="InMemory">True when no PostgreSQL connection string is set.</param>
/// <param name="SharedBroker">True when the bus is RabbitMQ (other replicas may consume the same queues).</param>
internal sealed record ConversationStore(bool InMemory, bool SharedBroker);

/// <summary>Rejects settings the saga cannot run with, at start.</summary>
internal sealed class ConversationOptionsValidator : IValidateOptions<ConversationOptions>
{
    public ValidateOptionsResult Validate(string? name, ConversationOptions options)
    {
        var problems = new List<string>();
        if (options.FunctionResultTimeout <= TimeSpan.Zero) problems.Add("Conversations:FunctionResultTimeout must be positive");
        if (options.Retention <= TimeSpan.Zero) problems.Add("Conversations:Retention must be positive");
        if (options.SweepInterval < TimeSpan.FromMilliseconds(10)) problems.Add("Conversations:SweepInterval must be at least 10 ms (timers here tick every ~4 ms)");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
