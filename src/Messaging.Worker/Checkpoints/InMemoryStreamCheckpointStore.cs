using System.Text.Json.Nodes;

namespace Messaging.Worker.Checkpoints;

/// <summary>
/// Checkpoints in this process's memory: the single-process default (no PostgreSQL configured). A duplicate of a
/// request is still recognised, and a stream restarted in the same process resumes, but nothing survives the process.
/// </summary>
internal sealed class InMemoryStreamCheckpointStore(TimeProvider clock) : IStreamCheckpointStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, Row> _rows = [];

    public Task<IReadOnlyList<CheckpointClaim>> ClaimAsync(IReadOnlyList<CheckpointClaimRequest> claims, Guid owner, TimeSpan lease,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<CheckpointClaim>>(claims.Select(c => Claim(c, owner, lease, now)).ToList());
        }
    }

    private CheckpointClaim Claim(CheckpointClaimRequest claim, Guid owner, TimeSpan lease, DateTimeOffset now)
    {
        if (!_rows.TryGetValue(claim.RequestId, out var row))
        {
            _rows[claim.RequestId] = new Row { BodyHash = claim.BodyHash, Owner = owner, ClaimId = claim.ClaimId, LeaseUntil = now + lease, Touched = now };
            return new CheckpointClaim(ClaimResult.Claimed);
        }
        if (row.BodyHash != claim.BodyHash) return new CheckpointClaim(ClaimResult.DifferentBody);
        if (row.Phase == Phase.Ended) return new CheckpointClaim(ClaimResult.Ended);
        if (row.Phase == Phase.Ending) return new CheckpointClaim(ClaimResult.Ending, Finals: (JsonArray)row.Finals!.DeepClone());
        var again = row.ClaimId == claim.ClaimId;
        if (!again && row.LeaseUntil > now) return new CheckpointClaim(ClaimResult.Held, LeaseLeft: row.LeaseUntil - now);
        if (!again) row.Takeovers++;
        row.Owner = owner;
        row.ClaimId = claim.ClaimId;
        row.LeaseUntil = now + lease;
        row.Touched = now;
        return row.Takeovers == 0
            ? new CheckpointClaim(ClaimResult.Claimed)
            : new CheckpointClaim(ClaimResult.Claimed, new StreamCheckpoint(claim.RequestId, row.Attempt, row.InteractionId, row.State?.DeepClone().AsObject()));
    }

    public Task<IReadOnlyCollection<Guid>> SaveAsync(IReadOnlyCollection<StreamCheckpoint> checkpoints, IReadOnlyCollection<Guid> renew,
        Guid owner, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var lost = new List<Guid>();
        lock (_gate)
        {
            foreach (var checkpoint in checkpoints)
            {
                if (!Owns(checkpoint.RequestId, owner, out var row))
                {
                    lost.Add(checkpoint.RequestId);
                    continue;
                }
                row.Attempt = checkpoint.Attempt;
                row.InteractionId = checkpoint.InteractionId;
                row.State = checkpoint.State?.DeepClone().AsObject();
                row.LeaseUntil = now + lease;
                row.Touched = now;
            }
            foreach (var requestId in renew)
            {
                if (Owns(requestId, owner, out var row)) row.LeaseUntil = now + lease;
                else lost.Add(requestId);
            }
        }
        return Task.FromResult<IReadOnlyCollection<Guid>>(lost);
    }

    public Task<IReadOnlyCollection<Guid>> EndingAsync(IReadOnlyList<RequestFinals> endings, Guid owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endings);
        var notOwned = new List<Guid>();
        lock (_gate)
        {
            foreach (var (requestId, finals) in endings)
            {
                if (!Owns(requestId, owner, out var row))
                {
                    notOwned.Add(requestId);
                    continue;
                }
                row.Phase = Phase.Ending;
                row.Finals = (JsonArray)finals.DeepClone();
                row.State = null;
                row.Touched = clock.GetUtcNow();
            }
        }
        return Task.FromResult<IReadOnlyCollection<Guid>>(notOwned);
    }

    public Task EndedAsync(IReadOnlyCollection<Guid> requestIds, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            foreach (var requestId in requestIds)
            {
                if (!_rows.TryGetValue(requestId, out var row)) continue;
                row.Phase = Phase.Ended;
                row.Finals = null;
                row.State = null;
                row.Touched = clock.GetUtcNow();
            }
        }
        return Task.CompletedTask;
    }

    public Task ReleaseAsync(Guid requestId, Guid owner, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (Owns(requestId, owner, out var row)) row.LeaseUntil = clock.GetUtcNow();
        }
        return Task.CompletedTask;
    }

    public Task<int> RemoveOlderThanAsync(TimeSpan retention, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            var old = _rows.Where(r => r.Value.Touched < now - retention && (r.Value.Phase != Phase.Running || r.Value.LeaseUntil < now))
                .Select(r => r.Key).ToList();
            foreach (var key in old) _rows.Remove(key);
            return Task.FromResult(old.Count);
        }
    }

    private bool Owns(Guid requestId, Guid owner, out Row row) =>
        _rows.TryGetValue(requestId, out row!) && row.Owner == owner && row.Phase == Phase.Running;

    private enum Phase { Running, Ending, Ended }

    private sealed class Row
    {
        public required string BodyHash { get; init; }
        public Guid Owner { get; set; }
        public Guid ClaimId { get; set; }
        public int Takeovers { get; set; }
        public DateTimeOffset LeaseUntil { get; set; }
        public DateTimeOffset Touched { get; set; }
        public int Attempt { get; set; } = 1;
        public string? InteractionId { get; set; }
        public JsonObject? State { get; set; }
        public JsonArray? Finals { get; set; }
        public Phase Phase { get; set; }
    }
}
