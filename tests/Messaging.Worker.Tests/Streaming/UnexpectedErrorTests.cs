using System.Runtime.CompilerServices;
using MassTransit;
using Messaging.Contracts;
using Messaging.Emulator;
using Messaging.Interactions;
using Messaging.Interactions.Models;
using Messaging.Interactions.Streaming;
using Messaging.Testing;
using Messaging.Worker.Checkpoints;
using System.Text.Json.Nodes;
using Messaging.Worker.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Worker.Tests.Streaming;

/// <summary>
/// A run that fails in a way nothing anticipates (here: the API client throws an exception of no kind the worker knows,
/// mid-stream, or a checkpoint that cannot be restored) still ends with a final event, so the requester never waits forever. One process, the in-memory bus.
/// </summary>
public sealed class UnexpectedErrorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_unexpected_exception_mid_stream_ends_the_request_with_InteractionFailed_internal_error()
    {
        var events = new FaultEvents();
        await using var emulator = await EmulatorServer.StartAsync(cancellationToken: Ct);
        var app = await WorkerHost.StartAsync(new Dictionary<string, string?>
        {
            ["Interactions:BaseUrl"] = emulator.BaseAddress.ToString(),
            ["Interactions:ApiKey"] = WorkerFixture.ApiKey,
            ["Conversations:Enabled"] = "false",
        }, configureBus: x => x.AddConsumer<FaultEventCollector>(), configureServices: services =>
        {
            services.AddSingleton(events);
            var original = services.Last(d => d.ServiceType == typeof(IInteractionsClient));
            services.Remove(original);
            services.AddTransient<IInteractionsClient>(sp => new BreaksAfterFirstEvent((IInteractionsClient)original.ImplementationFactory!(sp)));
        });
        try
        {
            var id = Guid.NewGuid();
            await app.Services.GetRequiredService<IBus>().Publish(new InteractionRequested { RequestId = id, Request = FaultRig.SlowRequest(id, chunks: 5, delayMs: 20) }, Ct);

            Assert.True(await events.WaitAsync([id], TimeSpan.FromSeconds(30), Ct), "the request got no final event");
            var finals = events.Of(id).Select(e => e.Message).Where(m => m is InteractionCompleted or InteractionFailed or InteractionCancelled).ToList();
            var failed = Assert.IsType<InteractionFailed>(Assert.Single(finals));
            Assert.Equal("internal_error", failed.Reason);
            Assert.Contains(nameof(InvalidProgramException), failed.Message, StringComparison.Ordinal);
            Assert.True(failed.Retryable);
        }
        finally
        {
            await app.StopAsync(Ct);
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_request_whose_checkpoint_cannot_be_restored_ends_with_InteractionFailed_internal_error()
    {
        var events = new FaultEvents();
        var id = Guid.NewGuid();
        var request = System.Text.Json.JsonDocument.Parse("{\"model\":\"gemini-3.5-flash\",\"input\":\"Hello\"}").RootElement;
        // A replica died holding the request and left a checkpoint no replica can restore.
        var store = new InMemoryStreamCheckpointStore(TimeProvider.System);
        var deadOwner = Guid.NewGuid();
        await store.ClaimAsync([new CheckpointClaimRequest(id, RequestBodyHash.Of(request), Guid.NewGuid())], deadOwner, TimeSpan.FromMilliseconds(1), Ct);
        await store.SaveAsync([new StreamCheckpoint(id, 1, "v1_gone", new JsonObject { ["hop"] = "not a hop" })], [], deadOwner, TimeSpan.FromMilliseconds(1), Ct);
        await Task.Delay(50, Ct);

        await using var emulator = await EmulatorServer.StartAsync(cancellationToken: Ct);
        var app = await WorkerHost.StartAsync(new Dictionary<string, string?>
        {
            ["Interactions:BaseUrl"] = emulator.BaseAddress.ToString(),
            ["Interactions:ApiKey"] = WorkerFixture.ApiKey,
            ["Conversations:Enabled"] = "false",
        }, configureBus: x => x.AddConsumer<FaultEventCollector>(), configureServices: services =>
        {
            services.AddSingleton(events);
            services.AddSingleton<IStreamCheckpointStore>(store);
        });
        try
        {
            await app.Services.GetRequiredService<IBus>().Publish(new InteractionRequested { RequestId = id, Request = request }, Ct);

            Assert.True(await events.WaitAsync([id], TimeSpan.FromSeconds(30), Ct), "the request got no final event");
            var failed = Assert.IsType<InteractionFailed>(Assert.Single(events.Of(id).Select(e => e.Message), m => m is InteractionCompleted or InteractionFailed or InteractionCancelled));
            Assert.Equal("internal_error", failed.Reason);
            Assert.Contains("could not start the request", failed.Message, StringComparison.Ordinal);
            Assert.Equal(0, emulator.Requests.Count(r => r.Method == "POST"));
        }
        finally
        {
            await app.StopAsync(Ct);
            await app.DisposeAsync();
        }
    }

    /// <summary>The real client, except that a created stream throws an exception no caller expects after its first event.</summary>
    private sealed class BreaksAfterFirstEvent(IInteractionsClient inner) : IInteractionsClient
    {
        public async IAsyncEnumerable<InteractionEvent> CreateStreamAsync(CreateInteractionRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var evt in inner.CreateStreamAsync(request, cancellationToken))
            {
                yield return evt;
                throw new InvalidProgramException("a bug nobody anticipated");
            }
        }

        public Task<Interaction> CreateAsync(CreateInteractionRequest request, CancellationToken cancellationToken = default) => inner.CreateAsync(request, cancellationToken);
        public Task<Interaction> GetAsync(string id, bool includeInput = false, CancellationToken cancellationToken = default) => inner.GetAsync(id, includeInput, cancellationToken);
        public IAsyncEnumerable<InteractionEvent> GetStreamAsync(string id, string? lastEventId = null, bool includeInput = false, CancellationToken cancellationToken = default) =>
            inner.GetStreamAsync(id, lastEventId, includeInput, cancellationToken);
        public IAsyncEnumerable<InteractionEvent> ResumeStreamAsync(string id, string? lastEventId, CancellationToken cancellationToken = default) =>
            inner.ResumeStreamAsync(id, lastEventId, cancellationToken);
        public Task<Interaction> CancelAsync(string id, CancellationToken cancellationToken = default) => inner.CancelAsync(id, cancellationToken);
        public Task DeleteAsync(string id, CancellationToken cancellationToken = default) => inner.DeleteAsync(id, cancellationToken);
    }
}
