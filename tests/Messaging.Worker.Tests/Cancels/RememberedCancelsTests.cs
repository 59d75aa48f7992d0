using Messaging.Contracts;
using Messaging.Interactions;
using Messaging.Interactions.Models;
using Messaging.Interactions.Streaming;
using Messaging.Worker.Cancels;
using Messaging.Worker.Streaming;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Messaging.Worker.Tests.Cancels;

/// <summary>The replica's memory of cancels, on the memory store and a fake clock.</summary>
public sealed class RememberedCancelsTests : IDisposable
{
    private static readonly TimeSpan Retention = TimeSpan.FromMinutes(10);
    private readonly FakeTimeProvider _clock = new();
    private readonly InFlightInteractions _inFlight = new();
    private readonly InMemoryCancelStore _store;
    private readonly RememberedCancels _cancels;

    public RememberedCancelsTests()
    {
        _store = new InMemoryCancelStore(_clock);
        var options = Options.Create(new CancelOptions { Retention = Retention, PollInterval = TimeSpan.FromMilliseconds(100) });
        var dispatcher = new CancelDispatcher(_inFlight, new ForegroundOnlyClient(), NullLogger<CancelDispatcher>.Instance);
        _cancels = new RememberedCancels(_store, dispatcher, options, _clock, NullLogger<RememberedCancels>.Instance);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _cancels.Dispose();

    [Fact]
    public void A_cancel_is_remembered_for_the_request_turn_and_interaction_it_names_and_not_for_later_turns_of_its_conversation()
    {
        var (request, turn, conversation) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        Assert.True(_cancels.Remember(Guid.NewGuid(), new CancelInteraction { RequestId = request }));
        var byTurn = Guid.NewGuid();
        Assert.True(_cancels.Remember(byTurn, new CancelInteraction { TurnId = turn }));
        Assert.False(_cancels.Remember(byTurn, new CancelInteraction { TurnId = turn })); // the same cancel from another queue
        _cancels.Remember(Guid.NewGuid(), new CancelInteraction { InteractionId = "v1_x" });
        _cancels.Remember(Guid.NewGuid(), new CancelInteraction { ConversationId = conversation });

        Assert.True(_cancels.Names(request, Guid.NewGuid(), null));
        Assert.True(_cancels.Names(Guid.NewGuid(), turn, null));
        Assert.True(_cancels.Names(Guid.NewGuid(), Guid.NewGuid(), "v1_x"));
        Assert.False(_cancels.Names(Guid.NewGuid(), Guid.NewGuid(), null));
        Assert.False(_cancels.Names(conversation, conversation, null)); // a conversation's cancel stops what runs, not what comes
    }

    [Fact]
    public void A_cancel_is_forgotten_after_the_retention()
    {
        var request = Guid.NewGuid();
        _cancels.Remember(Guid.NewGuid(), new CancelInteraction { RequestId = request });

        _clock.Advance(Retention - TimeSpan.FromSeconds(1));
        Assert.True(_cancels.Names(request, Guid.NewGuid(), null));
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.False(_cancels.Names(request, Guid.NewGuid(), null));
    }

    [Fact]
    public async Task A_cancel_recorded_by_another_replica_is_read_and_applied_to_a_running_request_here()
    {
        var request = Guid.NewGuid();
        using var entry = _inFlight.Start(request, request, request, background: false, CancellationToken.None);
        await _cancels.StartAsync(Ct);
        try
        {
            await _store.RecordAsync(Guid.NewGuid(), new CancelInteraction { RequestId = request }, Ct); // never reached this replica's queue

            for (var i = 0; i < 200 && !entry.CancelRequested; i++)
            {
                _clock.Advance(TimeSpan.FromMilliseconds(100));
                await Task.Delay(10, Ct);
            }

            Assert.True(entry.CancelRequested);
            Assert.True(entry.Token.IsCancellationRequested); // a foreground stream stops at once
            Assert.True(_cancels.Names(request, Guid.NewGuid(), null));
        }
        finally
        {
            await _cancels.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Cancelling a foreground stream calls nothing at the API: any call here fails the test.</summary>
    private sealed class ForegroundOnlyClient : IInteractionsClient
    {
        public Task<Interaction> CreateAsync(CreateInteractionRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public IAsyncEnumerable<InteractionEvent> CreateStreamAsync(CreateInteractionRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<Interaction> GetAsync(string id, bool includeInput = false, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public IAsyncEnumerable<InteractionEvent> GetStreamAsync(string id, string? lastEventId = null, bool includeInput = false, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
        public IAsyncEnumerable<InteractionEvent> ResumeStreamAsync(string id, string? lastEventId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<Interaction> CancelAsync(string id, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task DeleteAsync(string id, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
