using System.Text.Json;
using MassTransit;
using Messaging.Contracts;
using Microsoft.Extensions.Hosting;

namespace Messaging.Client.Interactions;

/// <summary>One function a service executes for the saga's function loop: its name and how to answer a call.</summary>
internal sealed record FunctionExecutor(string Name, Func<JsonElement, CancellationToken, Task<JsonElement>> Execute)
{
    /// <summary>The queue the executor's replicas share (and compete on): <c>fn-{name}</c>, after <c>Bus:NamePrefix</c>.</summary>
    public string Queue => "fn-" + Name.ToLowerInvariant().Replace('_', '-');
}

/// <summary>
/// Connects a receive endpoint per <see cref="FunctionExecutor"/> once the host starts: a durable queue per function,
/// bound to <see cref="FunctionCallRequested"/>, shared by the executor's replicas so each call is answered once; it
/// answers with <see cref="FunctionResultSubmitted"/> (an exception becomes <c>isError</c> with its message). Calls of
/// other functions that reach the queue (the exchange is a fanout) are let go.
/// </summary>
internal sealed class FunctionExecutorsHost(IEnumerable<FunctionExecutor> executors, IReceiveEndpointConnector connector, IServiceProvider services)
    : IHostedService
{
    private readonly List<HostReceiveEndpointHandle> _handles = [];

    // Not waited for: the bus may start after this service; its endpoints start with it.
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var prefix = (services.GetService(typeof(Microsoft.Extensions.Options.IOptions<BusOptions>)) as Microsoft.Extensions.Options.IOptions<BusOptions>)?.Value.NamePrefix;
        foreach (var executor in executors)
        {
            _handles.Add(connector.ConnectReceiveEndpoint(prefix + executor.Queue,
                (_, endpoint) => endpoint.Handler<FunctionCallRequested>(context => AnswerAsync(executor, context))));
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var handle in _handles) await handle.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task AnswerAsync(FunctionExecutor executor, ConsumeContext<FunctionCallRequested> context)
    {
        var call = context.Message;
        if (!string.Equals(call.Name, executor.Name, StringComparison.Ordinal)) return;
        JsonElement result;
        var isError = false;
        try
        {
            result = await executor.Execute(call.Arguments, context.CancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.CancellationToken.IsCancellationRequested)
        {
            result = JsonSerializer.SerializeToElement(new { error = ex.Message });
            isError = true;
        }
        await context.Publish(new FunctionResultSubmitted
        {
            ConversationId = call.ConversationId, InteractionId = call.InteractionId, CallId = call.CallId, Name = call.Name, Result = result, IsError = isError,
        }, context.CancellationToken).ConfigureAwait(false);
    }
}
