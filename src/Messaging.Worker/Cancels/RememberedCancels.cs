using System.Collections.Concurrent;
using Messaging.Contracts;
using Messaging.Worker.Streaming;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Cancels;

/// <summary>
/// The cancels this replica knows of, for <see cref="CancelOptions.Retention"/>: those its control queue brought, and
/// those every replica recorded in the cancel store, read every <see cref="CancelOptions.PollInterval"/> (all of the
/// retention's when the replica starts). A request starting or resuming here looks here first, in memory, so a cancel
/// that came before its request still cancels it and costs the request's path nothing. A recorded cancel this replica had
/// not seen (its control queue missed it while it reconnected) is applied to its running requests as it is read.
/// A cancel is remembered for the requests, turns and interactions it names; one naming only a conversation stops what
/// runs of it, not its later turns.
/// </summary>
internal sealed class RememberedCancels(
    ICancelStore store, CancelDispatcher dispatcher, IOptions<CancelOptions> options, TimeProvider clock, ILogger<RememberedCancels> logger)
    : BackgroundService
{
    private static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan ReadOverlap = TimeSpan.FromSeconds(5); // rows committed late with an earlier time
    private readonly CancelOptions _options = options.Value;
    private readonly ConcurrentDictionary<Guid, long> _known = new(); // cancel id → when it was remembered (this process's clock)
    private readonly ConcurrentDictionary<Guid, long> _ids = new(); // request or turn id → when
    private readonly ConcurrentDictionary<string, long> _interactions = new(StringComparer.Ordinal);

    /// <summary>Remembers a cancel; false when it was known already.</summary>
    public bool Remember(Guid cancelId, CancelInteraction cancel)
    {
        ArgumentNullException.ThrowIfNull(cancel);
        var now = clock.GetTimestamp();
        if (!_known.TryAdd(cancelId, now)) return false;
        if (cancel.RequestId is { } request) _ids[request] = now;
        if (cancel.TurnId is { } turn) _ids[turn] = now;
        if (!string.IsNullOrEmpty(cancel.InteractionId)) _interactions[cancel.InteractionId] = now;
        return true;
    }

    /// <summary>Whether a remembered cancel names this request, its turn or (when resuming) its interaction.</summary>
    public bool Names(Guid requestId, Guid turnId, string? interactionId) =>
        Live(_ids, requestId) || Live(_ids, turnId) || (interactionId is { Length: > 0 } && Live(_interactions, interactionId));

    private bool Live<TKey>(ConcurrentDictionary<TKey, long> index, TKey key) where TKey : notnull =>
        index.TryGetValue(key, out var at) && clock.GetElapsedTime(at) < _options.Retention;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        DateTimeOffset? cursor = null;
        var lastSweep = clock.GetTimestamp();
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var read = await store.ReadSinceAsync(cursor - ReadOverlap, stoppingToken);
                foreach (var recorded in read.OrderBy(c => c.ReceivedAt))
                {
                    if (cursor is null || recorded.ReceivedAt > cursor) cursor = recorded.ReceivedAt;
                    if (!Remember(recorded.CancelId, recorded.Cancel)) continue;
                    var applied = await dispatcher.ApplyAsync(recorded.Cancel, stoppingToken);
                    if (applied > 0) logger.LogInformation("A recorded cancel this replica had not received cancelled {Count} of its requests", applied);
                }
                if (clock.GetElapsedTime(lastSweep) >= SweepEvery)
                {
                    lastSweep = clock.GetTimestamp();
                    Forget();
                    await store.RemoveOlderThanAsync(_options.Retention, stoppingToken);
                }
                if (failures > 0) logger.LogInformation("Recorded cancels are read again, after {Failures} failed reads", failures);
                failures = 0;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is not OutOfMemoryException)
            {
                if (failures++ % 30 == 0)
                    logger.LogWarning("Recorded cancels could not be read ({Reason}); cancels this replica's control queue brings still apply", ex.Message);
            }
            try
            {
                await Task.Delay(_options.PollInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private void Forget()
    {
        foreach (var index in new[] { _known, _ids })
            foreach (var (key, at) in index)
                if (clock.GetElapsedTime(at) >= _options.Retention) index.TryRemove(key, out _);
        foreach (var (key, at) in _interactions)
            if (clock.GetElapsedTime(at) >= _options.Retention) _interactions.TryRemove(key, out _);
    }
}
