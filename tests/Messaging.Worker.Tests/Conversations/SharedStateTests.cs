using Messaging.Contracts;
using Messaging.Worker.Tests.Support;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Messaging.Worker.Tests.Conversations;

/// <summary>Three replicas share the saga's state in PostgreSQL: concurrent loops, and a restart in the middle of one.</summary>
public sealed class SharedStateTests(ConversationFixture fixture) : ConversationTest(fixture)
{
    private const int Conversations = 100;
    private const int ParallelCalls = 3;

    [Fact]
    public async Task Hundred_conversations_with_parallel_calls_each_complete_exactly_once_across_three_replicas()
    {
        var tag = Guid.NewGuid().ToString("N");
        var ids = new Guid[Conversations];
        for (var i = 0; i < Conversations; i++)
        {
            ids[i] = Guid.NewGuid();
            Fixture.Executor.Answer(ids[i]);
        }
        await Task.WhenAll(ids.Select(id => Fixture.Bus.Publish(new InteractionRequested
        {
            RequestId = id, Request = ConversationFixture.Parse(Request($"What is the weather like in city {id:N}?", ParallelCalls, stateless: false, tag)),
        }, Ct)));

        var all = await Task.WhenAll(ids.Select(id => Fixture.Events.TurnEndedAsync(id, id)));
        // Let any doubled continuation show up before counting.
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);

        foreach (var events in all)
        {
            var completed = Assert.Single(events.Of<InteractionCompleted>());
            Assert.Equal("completed", completed.Status);
            Assert.Equal(2, events.Of<InteractionRequested>().Count);
            Assert.Equal(ParallelCalls, events.Of<FunctionCallRequested>().Count);
            Assert.All(events.Of<FunctionCallRequested>(), c => Assert.Contains($"value-{c.CallId}", completed.OutputText, StringComparison.Ordinal));
            Assert.Empty(events.Of<FunctionResultRejected>());
            Assert.Empty(events.Of<InteractionFailed>());
            Assert.DoesNotContain(events.All, m => m.GetType().Name.StartsWith("Fault", StringComparison.Ordinal));
        }
        Assert.Equal(Conversations * 2, EmulatorBodies(tag).Count);
        Assert.Equal(0u, await SagaErrorQueueDepthAsync());
        Assert.DoesNotContain(Fixture.Logs.Lines, l => (l.StartsWith(nameof(LogLevel.Error), StringComparison.Ordinal) || l.StartsWith(nameof(LogLevel.Critical), StringComparison.Ordinal))
                                                      && l.Contains("ConcurrencyException", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_loop_survives_a_restart_of_every_replica_while_it_waits_for_results()
    {
        var tag = Guid.NewGuid().ToString("N");
        var conversation = await Fixture.StartAsync(Request("What is the weather like in Kyiv?", 2, stateless: true, tag), Ct);
        var events = await Fixture.Events.CallsAsync(conversation, 2);
        var action = events.Single<InteractionRequiresAction>();
        await Fixture.WaitForStoredStateAsync(conversation, "AwaitingFunctionResults", Ct);

        await Fixture.RestartWorkersAsync();
        foreach (var call in action.Calls)
            await Fixture.SubmitAsync(conversation, action.InteractionId, call.CallId, AutoExecutor.ResultFor(call.Name, call.CallId), Ct);
        events = await Fixture.Events.TurnEndedAsync(conversation, conversation);

        var completed = events.Single<InteractionCompleted>();
        Assert.All(action.Calls, c => Assert.Contains($"value-{c.CallId}", completed.OutputText, StringComparison.Ordinal));
        var bodies = EmulatorBodies(tag);
        Assert.Equal(Raw(action.Steps), Raw(bodies[1].GetProperty("input"))[1..^2]);
    }

    private async Task<uint> SagaErrorQueueDepthAsync()
    {
        await using var connection = await new ConnectionFactory { Uri = Fixture.BrokerUrl }
            .CreateConnectionAsync(Ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: Ct);
        try
        {
            return (await channel.QueueDeclarePassiveAsync(Fixture.Prefix + "conversation-state_error", Ct)).MessageCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return 0; // MassTransit creates the error queue with the first message it moves there
        }
    }
}
