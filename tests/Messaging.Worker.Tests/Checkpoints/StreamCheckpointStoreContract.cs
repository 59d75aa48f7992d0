using System.Text.Json.Nodes;
using Messaging.Worker.Checkpoints;

namespace Messaging.Worker.Tests.Checkpoints;

/// <summary>
/// What every checkpoint store must do, run against each one: claims (new, held, taken over, asked again after a lost
/// answer), progress and leases, ends, releases and retention. A lapsed lease is a negative one, so no test waits for one.
/// </summary>
public abstract class StreamCheckpointStoreContract : IAsyncLifetime
{
    private static readonly TimeSpan Live = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Lapsed = TimeSpan.FromSeconds(-1);
    private readonly Guid _request = Guid.NewGuid();
    private readonly Guid _owner = Guid.NewGuid();
    private readonly Guid _other = Guid.NewGuid();

    private protected IStreamCheckpointStore Store { get; set; } = null!;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public abstract ValueTask InitializeAsync();

    public async ValueTask DisposeAsync()
    {
        await CleanUpAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Removes what the store left behind.</summary>
    private protected virtual ValueTask CleanUpAsync() => ValueTask.CompletedTask;

    /// <summary>Lets time pass on the store's clock (for retention).</summary>
    private protected abstract Task TickAsync();

    private async Task<CheckpointClaim> ClaimAsync(Guid requestId, string bodyHash, Guid owner, Guid claimId, TimeSpan lease, CancellationToken ct) =>
        (await Store.ClaimAsync([new CheckpointClaimRequest(requestId, bodyHash, claimId)], owner, lease, ct)).Single();

    private async Task<bool> EndingAsync(Guid requestId, Guid owner, JsonArray finals, CancellationToken ct) =>
        !(await Store.EndingAsync([new RequestFinals(requestId, finals)], owner, ct)).Contains(requestId);

    [Fact]
    public async Task Claims_in_one_call_get_each_its_own_answer_in_order_and_two_of_one_request_are_decided_in_turn()
    {
        var held = Guid.NewGuid();
        var ended = Guid.NewGuid();
        await ClaimAsync(held, "h", _other, Guid.NewGuid(), Live, Ct);
        await ClaimAsync(ended, "h", _other, Guid.NewGuid(), Live, Ct);
        await EndingAsync(ended, _other, [], Ct);
        await Store.EndedAsync([ended], Ct);

        var answers = await Store.ClaimAsync([
            new CheckpointClaimRequest(held, "h", Guid.NewGuid()),
            new CheckpointClaimRequest(_request, "h", Guid.NewGuid()),
            new CheckpointClaimRequest(ended, "h", Guid.NewGuid()),
            new CheckpointClaimRequest(_request, "h", Guid.NewGuid()), // a second delivery of the same request
            new CheckpointClaimRequest(held, "other", Guid.NewGuid()),
        ], _owner, Live, Ct);

        Assert.Equal([ClaimResult.Held, ClaimResult.Claimed, ClaimResult.Ended, ClaimResult.Held, ClaimResult.DifferentBody],
            answers.Select(a => a.Result));
        Assert.Null(answers[1].Previous);
    }

    [Fact]
    public async Task Ends_in_one_call_are_recorded_for_the_requests_the_owner_still_holds_and_the_others_are_named()
    {
        var takenOver = Guid.NewGuid();
        await ClaimAsync(_request, "h", _owner, Guid.NewGuid(), Live, Ct);
        await ClaimAsync(takenOver, "h", _owner, Guid.NewGuid(), Lapsed, Ct);
        await ClaimAsync(takenOver, "h", _other, Guid.NewGuid(), Live, Ct);

        var notOwned = await Store.EndingAsync([
            new RequestFinals(_request, [new JsonObject { ["type"] = "InteractionCompleted" }]),
            new RequestFinals(takenOver, [new JsonObject { ["type"] = "InteractionFailed" }]),
        ], _owner, Ct);

        Assert.Equal([takenOver], notOwned);
        Assert.Equal(ClaimResult.Ending, (await ClaimAsync(_request, "h", _other, Guid.NewGuid(), Live, Ct)).Result);
        Assert.Equal(ClaimResult.Held, (await ClaimAsync(takenOver, "h", _owner, Guid.NewGuid(), Live, Ct)).Result);
    }

    [Fact]
    public async Task A_new_request_is_claimed_and_held_against_other_owners_while_its_lease_runs()
    {
        Assert.Equal(new CheckpointClaim(ClaimResult.Claimed), await ClaimAsync(_request, "h", _owner, Guid.NewGuid(), Live, Ct));

        var held = await ClaimAsync(_request, "h", _other, Guid.NewGuid(), Live, Ct);

        Assert.Equal(ClaimResult.Held, held.Result);
        Assert.InRange(held.LeaseLeft, TimeSpan.FromSeconds(1), Live);
    }

    [Fact]
    public async Task A_lapsed_request_is_taken_over_with_what_its_owner_recorded_and_the_old_owner_loses_it()
    {
        await ClaimAsync(_request, "h", _owner, Guid.NewGuid(), Live, Ct);
        var state = new JsonObject { ["sequence"] = 7 };
        Assert.Empty(await Store.SaveAsync([new StreamCheckpoint(_request, 1, "v1_a", state)], [], _owner, Lapsed, Ct));

        var takeover = await ClaimAsync(_request, "h", _other, Guid.NewGuid(), Live, Ct);

        Assert.Equal(ClaimResult.Claimed, takeover.Result);
        Assert.Equal(1, takeover.Previous!.Attempt);
        Assert.Equal("v1_a", takeover.Previous.InteractionId);
        Assert.Equal(7, (int)takeover.Previous.State!["sequence"]!);
        Assert.Equal([_request], await Store.SaveAsync([], [_request], _owner, Live, Ct));
        Assert.False(await EndingAsync(_request, _owner, [], Ct));
    }

    [Fact]
    public async Task A_claim_asked_again_after_its_answer_was_lost_is_still_the_first_claim_whatever_its_lease()
    {
        var claimId = Guid.NewGuid();
        await ClaimAsync(_request, "h", _owner, claimId, Lapsed, Ct); // inserted; the answer never arrived

        var again = await ClaimAsync(_request, "h", _owner, claimId, Live, Ct);

        Assert.Equal(new CheckpointClaim(ClaimResult.Claimed), again); // not held by itself, not a takeover of itself
        Assert.Equal(ClaimResult.Held, (await ClaimAsync(_request, "h", _other, Guid.NewGuid(), Live, Ct)).Result);
    }

    [Fact]
    public async Task A_takeover_asked_again_after_its_answer_was_lost_still_gets_the_previous_checkpoint()
    {
        await ClaimAsync(_request, "h", _owner, Guid.NewGuid(), Lapsed, Ct);
        var claimId = Guid.NewGuid();
        await ClaimAsync(_request, "h", _other, claimId, Live, Ct);

        var again = await ClaimAsync(_request, "h", _other, claimId, Live, Ct);

        Assert.Equal(ClaimResult.Claimed, again.Result);
        Assert.NotNull(again.Previous);
    }

    [Fact]
    public async Task Another_body_under_the_same_request_id_is_told_apart_from_every_phase()
    {
        await ClaimAsync(_request, "h", _owner, Guid.NewGuid(), Lapsed, Ct);

        Assert.Equal(ClaimResult.DifferentBody, (await ClaimAsync(_request, "other", _other, Guid.NewGuid(), Live, Ct)).Result);
        await EndingAsync(_request, _owner, [], Ct);
        Assert.Equal(ClaimResult.DifferentBody, (await ClaimAsync(_request, "other", _other, Guid.NewGuid(), Live, Ct)).Result);
    }

    [Fact]
    public async Task An_ending_request_gives_its_recorded_final_events_and_an_ended_one_nothing()
    {
        await ClaimAsync(_request, "h", _owner, Guid.NewGuid(), Live, Ct);
        Assert.True(await EndingAsync(_request, _owner, [new JsonObject { ["type"] = "InteractionCompleted" }], Ct));

        var ending = await ClaimAsync(_request, "h", _other, Guid.NewGuid(), Live, Ct);
        Assert.Equal(ClaimResult.Ending, ending.Result);
        Assert.Equal("InteractionCompleted", (string)ending.Finals!.Single()!["type"]!);

        await Store.EndedAsync([_request], Ct);
        Assert.Equal(new CheckpointClaim(ClaimResult.Ended), await ClaimAsync(_request, "h", _other, Guid.NewGuid(), Live, Ct));
    }

    [Fact]
    public async Task A_released_request_is_taken_over_at_once()
    {
        await ClaimAsync(_request, "h", _owner, Guid.NewGuid(), Live, Ct);
        await Store.ReleaseAsync(_request, _other, Ct); // not the owner: no effect
        Assert.Equal(ClaimResult.Held, (await ClaimAsync(_request, "h", _other, Guid.NewGuid(), Live, Ct)).Result);

        await Store.ReleaseAsync(_request, _owner, Ct);
        await TickAsync();

        Assert.Equal(ClaimResult.Claimed, (await ClaimAsync(_request, "h", _other, Guid.NewGuid(), Live, Ct)).Result);
    }

    [Fact]
    public async Task Retention_removes_ended_and_abandoned_requests_and_keeps_running_ones()
    {
        var ended = Guid.NewGuid();
        var abandoned = Guid.NewGuid();
        await ClaimAsync(_request, "h", _owner, Guid.NewGuid(), Live, Ct);
        await ClaimAsync(ended, "h", _owner, Guid.NewGuid(), Live, Ct);
        await EndingAsync(ended, _owner, [], Ct);
        await Store.EndedAsync([ended], Ct);
        await ClaimAsync(abandoned, "h", _owner, Guid.NewGuid(), Lapsed, Ct);
        await TickAsync();

        Assert.True(await Store.RemoveOlderThanAsync(TimeSpan.Zero, Ct) >= 2);

        Assert.Equal(new CheckpointClaim(ClaimResult.Claimed), await ClaimAsync(ended, "h", _other, Guid.NewGuid(), Live, Ct));
        Assert.Equal(new CheckpointClaim(ClaimResult.Claimed), await ClaimAsync(abandoned, "h", _other, Guid.NewGuid(), Live, Ct));
        Assert.Equal(ClaimResult.Held, (await ClaimAsync(_request, "h", _other, Guid.NewGuid(), Live, Ct)).Result);
    }
}
