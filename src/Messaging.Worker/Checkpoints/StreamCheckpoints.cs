using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Messaging.Worker.Infrastructure;
using Microsoft.Extensions.Options;

namespace Messaging.Worker.Checkpoints;

/// <summary>
/// This replica's side of the checkpoints: it claims requests (waiting while another live owner holds one), keeps the
/// leases of the requests it runs, records their progress off the stream's path (the latest checkpoint of each stream,
/// all of them in one write per <see cref="CheckpointOptions.Interval"/>; the first one, which names the interaction, at
/// once), and records their ends. Claims, ends and the interactions' names are group-committed: one statement when
/// idle, and under load one for all that came while the previous one ran. While the store cannot be reached, claims
/// and ends wait and retry (the message stays unacknowledged, so nothing is lost or run twice) and progress is kept in
/// memory until the next write succeeds.
/// </summary>
internal sealed class StreamCheckpoints : BackgroundService
{
    private static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(10);
    private readonly IStreamCheckpointStore _store;
    private readonly WorkerTelemetry _telemetry;
    private readonly TimeProvider _clock;
    private readonly ILogger<StreamCheckpoints> _logger;
    private readonly CheckpointOptions _options;
    private readonly ConcurrentDictionary<Guid, StreamCheckpoint> _pending = new();
    private readonly ConcurrentDictionary<Guid, byte> _running = new();
    private readonly ConcurrentQueue<Guid> _ended = new();
    private readonly SemaphoreSlim _urgent = new(0, 1);
    private readonly GroupCommit<(StreamCheckpoint Checkpoint, long Named), bool> _names;
    private readonly GroupCommit<CheckpointClaimRequest, CheckpointClaim> _claims;
    private readonly GroupCommit<RequestFinals, bool> _endings;

    public StreamCheckpoints(IStreamCheckpointStore store, IOptions<CheckpointOptions> options, WorkerTelemetry telemetry, TimeProvider clock,
        ILogger<StreamCheckpoints> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _telemetry = telemetry;
        _clock = clock;
        _logger = logger;
        _options = options.Value;
        // A burst of requests claims, names its interactions and ends in a few statements over one connection, not one
        // round trip each.
        _names = new GroupCommit<(StreamCheckpoint Checkpoint, long Named), bool>(RecordInteractionsAsync);
        _claims = new GroupCommit<CheckpointClaimRequest, CheckpointClaim>(async claims =>
        {
            var answers = await _store.ClaimAsync(claims, Owner, _options.Lease, CancellationToken.None);
            _telemetry.CheckpointWrite("claim", claims.Count);
            return answers;
        });
        _endings = new GroupCommit<RequestFinals, bool>(async endings =>
        {
            var notOwned = await _store.EndingAsync(endings, Owner, CancellationToken.None);
            _telemetry.CheckpointWrite("ending", endings.Count);
            return endings.Select(e => !notOwned.Contains(e.RequestId)).ToList();
        });
    }

    /// <summary>This process's owner id in the store (a new one each start).</summary>
    public Guid Owner { get; } = Guid.NewGuid();

    /// <summary>
    /// Claims <paramref name="requestId"/>: returns at once for a new request, a takeover, a duplicate of an ended one
    /// or a reused id; waits while another owner's lease is live (its end or its lapse decides).
    /// </summary>
    public async Task<CheckpointClaim> ClaimAsync(Guid requestId, string bodyHash, CancellationToken cancellationToken)
    {
        long? waitingSince = null;
        var failures = 0;
        var claimId = Guid.NewGuid(); // one per delivery: a retry after a lost answer is recognised as this claim
        while (true)
        {
            CheckpointClaim claim;
            try
            {
                claim = await _claims.SubmitAsync(new CheckpointClaimRequest(requestId, bodyHash, claimId), cancellationToken);
                failures = 0;
            }
            catch (Exception ex) when (IsStoreFault(ex, cancellationToken))
            {
                await WaitAfterFailureAsync(ex, ++failures, $"claim request {requestId}", cancellationToken);
                continue;
            }
            if (claim.Result != ClaimResult.Held)
            {
                if (waitingSince is { } start) _telemetry.LeaseWaited(Stopwatch.GetElapsedTime(start));
                if (claim.Result == ClaimResult.Claimed) _running[requestId] = 0;
                return claim;
            }
            if (waitingSince is null)
            {
                waitingSince = Stopwatch.GetTimestamp();
                _logger.LogInformation("Request {RequestId} is owned by another replica for {LeaseLeft}; waiting for it to end or lapse",
                    requestId, claim.LeaseLeft);
            }
            var quarter = _options.Lease / 4;
            var wait = claim.LeaseLeft > TimeSpan.Zero && claim.LeaseLeft < quarter ? claim.LeaseLeft + TimeSpan.FromMilliseconds(20) : quarter;
            await Task.Delay(wait, _clock, cancellationToken);
        }
    }

    /// <summary>
    /// Records where a stream got to with the next interval's write; <paramref name="urgent"/> (the checkpoint that names
    /// the interaction) is written at once (with any that came meanwhile), beside the stream's first publishes: until it is in the store, a
    /// kill of this replica costs a second interaction.
    /// </summary>
    public void Offer(StreamCheckpoint checkpoint, bool urgent = false)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (!_running.ContainsKey(checkpoint.RequestId)) return;
        if (urgent) _ = _names.SubmitAsync((checkpoint, _clock.GetTimestamp())); // never faults: a failed write falls back to the next interval's
        else _pending[checkpoint.RequestId] = checkpoint;
    }

    /// <summary>
    /// Writes the checkpoints that name interactions as they come: one statement when idle, and under load every one that
    /// arrived while the previous statement ran in the next (group commit), so the window stays one round trip plus a wait.
    /// </summary>
    private async Task<IReadOnlyList<bool>> RecordInteractionsAsync(IReadOnlyList<(StreamCheckpoint Checkpoint, long Named)> named)
    {
        var latest = named.GroupBy(n => n.Checkpoint.RequestId).Select(g => g.Last()).ToList();
        try
        {
            var lost = await _store.SaveAsync(latest.Select(n => n.Checkpoint).ToList(), [], Owner, _options.Lease, CancellationToken.None);
            _telemetry.CheckpointWrite("interaction", latest.Count);
            foreach (var (_, at) in latest) _telemetry.CreateWindow(_clock.GetElapsedTime(at));
            foreach (var requestId in lost) LostOwnership(requestId);
        }
        catch (Exception ex) when (IsStoreFault(ex, CancellationToken.None))
        {
            _telemetry.CheckpointError();
            // The next interval's write tries again, unless a newer checkpoint of the stream is waiting.
            foreach (var (checkpoint, _) in latest) _pending.TryAdd(checkpoint.RequestId, checkpoint);
        }
        return [.. named.Select(_ => true)];
    }

    /// <summary>Records a fresh start of a request (a new attempt) before it calls the API, so a second takeover counts from it.</summary>
    public Task RestartAsync(StreamCheckpoint checkpoint, CancellationToken cancellationToken) =>
        RetryAsync(async token =>
        {
            _pending.TryRemove(checkpoint.RequestId, out _);
            await _store.SaveAsync([checkpoint], [], Owner, _options.Lease, token);
            _telemetry.CheckpointWrite("restart");
            return true;
        }, $"record attempt {checkpoint.Attempt} of request {checkpoint.RequestId}", cancellationToken);

    /// <summary>Records the request's final events before they are published; false when another replica owns it by now.</summary>
    public Task<bool> EndingAsync(Guid requestId, JsonArray finals, CancellationToken cancellationToken) =>
        RetryAsync(async token =>
        {
            // No more progress or renewals: once it is ending, they would find it no longer running and count it as lost.
            _running.TryRemove(requestId, out _);
            _pending.TryRemove(requestId, out _);
            var owned = await _endings.SubmitAsync(new RequestFinals(requestId, finals), token);
            if (!owned)
            {
                _telemetry.OwnershipLost();
                _logger.LogWarning("Request {RequestId} was taken over by another replica before it ended here", requestId);
            }
            return owned;
        }, $"record the end of request {requestId}", cancellationToken);

    /// <summary>The request's final events are on the broker: it is marked ended with the next write, and no longer renewed.</summary>
    public void Ended(Guid requestId)
    {
        Stop(requestId);
        _ended.Enqueue(requestId);
        Wake(); // at once: a duplicate arriving now should find it ended, not ending
    }

    private void Wake()
    {
        if (_urgent.CurrentCount > 0) return;
        try { _urgent.Release(); } catch (SemaphoreFullException) { }
    }

    /// <summary>Stops tracking a request this replica gives up (the host stopping), releasing its lease so another replica takes it at once.</summary>
    public async Task ReleaseAsync(Guid requestId)
    {
        var last = _pending.TryRemove(requestId, out var checkpoint) ? checkpoint : null;
        Stop(requestId);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            if (last is not null) await _store.SaveAsync([last], [], Owner, _options.Lease, timeout.Token);
            await _store.ReleaseAsync(requestId, Owner, timeout.Token);
        }
        catch (Exception ex) when (IsStoreFault(ex, CancellationToken.None))
        {
            _logger.LogWarning("The lease of request {RequestId} could not be released ({Reason}); another replica takes it when it lapses",
                requestId, ex.Message);
        }
    }

    /// <summary>Forgets a request without recording anything (it was never claimed here, or it ended without a claim).</summary>
    public void Stop(Guid requestId)
    {
        _running.TryRemove(requestId, out _);
        _pending.TryRemove(requestId, out _);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => WriteProgressAsync(stoppingToken);

    private async Task WriteProgressAsync(CancellationToken stoppingToken)
    {
        var lastRenew = _clock.GetTimestamp();
        long? lastSweep = null;
        var failures = 0; // consecutive failed writes: the first is logged, then every 40th (10 s at the default interval)
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _urgent.WaitAsync(_options.Interval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            var renewDue = _clock.GetElapsedTime(lastRenew) >= _options.Lease / 3;
            try
            {
                await WriteAsync(renewDue, stoppingToken);
                if (renewDue) lastRenew = _clock.GetTimestamp();
                if (failures > 0) _logger.LogInformation("Checkpoints are written again, after {Failures} failed writes", failures);
                failures = 0;
                if (lastSweep is not { } swept || _clock.GetElapsedTime(swept) >= SweepEvery)
                {
                    lastSweep = _clock.GetTimestamp();
                    var removed = await _store.RemoveOlderThanAsync(_options.Retention, stoppingToken);
                    if (removed > 0) _logger.LogInformation("Removed {Count} checkpoints older than {Retention}", removed, _options.Retention);
                }
            }
            catch (Exception ex) when (IsStoreFault(ex, stoppingToken))
            {
                _telemetry.CheckpointError();
                if (failures++ % 40 == 0)
                    _logger.LogWarning("Checkpoints could not be written ({Reason}); streams go on and the latest progress is written when the _store answers",
                        ex.Message);
            }
        }
    }

    private async Task WriteAsync(bool renew, CancellationToken cancellationToken)
    {
        var batch = new List<StreamCheckpoint>();
        foreach (var key in _pending.Keys)
        {
            if (_pending.TryRemove(key, out var checkpoint)) batch.Add(checkpoint);
        }
        var written = batch.Select(c => c.RequestId).ToHashSet();
        var renewals = renew ? _running.Keys.Where(id => !written.Contains(id)).ToList() : [];
        if (batch.Count > 0 || renewals.Count > 0)
        {
            IReadOnlyCollection<Guid> lost;
            try
            {
                lost = await _store.SaveAsync(batch, renewals, Owner, _options.Lease, cancellationToken);
            }
            catch
            {
                foreach (var checkpoint in batch) _pending.TryAdd(checkpoint.RequestId, checkpoint); // a newer one wins
                throw;
            }
            _telemetry.CheckpointWrite("progress", batch.Count);
            if (renewals.Count > 0) _telemetry.CheckpointWrite("renew", renewals.Count);
            foreach (var requestId in lost) LostOwnership(requestId);
        }

        var ended = new List<Guid>();
        while (_ended.TryDequeue(out var id)) ended.Add(id);
        if (ended.Count == 0) return;
        try
        {
            await _store.EndedAsync(ended, cancellationToken);
            _telemetry.CheckpointWrite("ended", ended.Count);
        }
        catch
        {
            foreach (var id in ended) _ended.Enqueue(id);
            throw;
        }
    }

    private void LostOwnership(Guid requestId)
    {
        if (!_running.ContainsKey(requestId)) return; // it ended meanwhile
        _telemetry.OwnershipLost();
        _logger.LogWarning("Request {RequestId} is no longer owned by this replica (its lease lapsed while the _store was unreachable)", requestId);
    }

    private async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> write, string what, CancellationToken cancellationToken)
    {
        var failures = 0;
        while (true)
        {
            try
            {
                return await write(cancellationToken);
            }
            catch (Exception ex) when (IsStoreFault(ex, cancellationToken))
            {
                await WaitAfterFailureAsync(ex, ++failures, what, cancellationToken);
            }
        }
    }

    private async Task WaitAfterFailureAsync(Exception failure, int failures, string what, CancellationToken cancellationToken)
    {
        _telemetry.CheckpointError();
        if (failures == 1 || failures % 10 == 0)
            _logger.LogWarning("The checkpoint _store did not answer ({Reason}); trying again to {What}", failure.Message, what);
        await Task.Delay(StoreRetryDelay.After(failures), _clock, cancellationToken);
    }

    private static bool IsStoreFault(Exception ex, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && ex is not OutOfMemoryException;
}
