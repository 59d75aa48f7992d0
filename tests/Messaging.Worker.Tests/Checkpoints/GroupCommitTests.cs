using Messaging.Worker.Checkpoints;

namespace Messaging.Worker.Tests.Checkpoints;

public sealed class GroupCommitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_item_alone_is_written_alone_and_items_that_come_while_a_write_runs_share_the_next_one()
    {
        var batches = new List<IReadOnlyList<int>>();
        var firstWrite = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var commit = new GroupCommit<int, string>(async items =>
        {
            lock (batches) batches.Add(items);
            if (items.Contains(1))
            {
                firstWrite.SetResult();
                await release.Task;
            }
            return items.Select(i => $"#{i}").ToList();
        });

        var first = commit.SubmitAsync(1, Ct);
        await firstWrite.Task.WaitAsync(Ct);
        var later = new[] { commit.SubmitAsync(2, Ct), commit.SubmitAsync(3, Ct), commit.SubmitAsync(4, Ct) };
        release.SetResult();

        Assert.Equal("#1", await first);
        Assert.Equal(["#2", "#3", "#4"], await Task.WhenAll(later));
        Assert.Equal([[1], [2, 3, 4]], batches);
    }

    [Fact]
    public async Task A_failed_write_fails_each_of_its_items_and_the_next_items_are_written_again()
    {
        var calls = 0;
        var commit = new GroupCommit<int, int>(items =>
            Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("store down") : Task.FromResult<IReadOnlyList<int>>(items));

        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => commit.SubmitAsync(1, Ct));

        Assert.Equal("store down", failed.Message);
        Assert.Equal(2, await commit.SubmitAsync(2, Ct));
    }

    [Fact]
    public async Task Many_callers_at_once_each_get_their_own_answer()
    {
        var commit = new GroupCommit<int, int>(async items =>
        {
            await Task.Yield();
            return items.Select(i => i * 10).ToList();
        });

        var answers = await Task.WhenAll(Enumerable.Range(0, 2_000).Select(i => Task.Run(() => commit.SubmitAsync(i, Ct), Ct)));

        Assert.Equal(Enumerable.Range(0, 2_000).Select(i => i * 10), answers);
    }
}
