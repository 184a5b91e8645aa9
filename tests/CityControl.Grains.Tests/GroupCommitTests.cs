using CityControl.Grains.Devices;

namespace CityControl.Tests.Grains;

/// <summary>The outbox's group commit, with a writer the test holds: which items go in which write.</summary>
public sealed class GroupCommitTests
{
    [Fact]
    public async Task The_first_item_goes_at_once_and_those_that_come_during_its_write_go_together_at_most_thirty_two_a_write()
    {
        var writes = new List<IReadOnlyList<int>>();
        var gate = new TaskCompletionSource();
        var commit = new GroupCommit<int>(async items =>
        {
            writes.Add(items);
            if (writes.Count == 1)
            {
                await gate.Task; // the first write is slow: everything else arrives during it
            }
        }, maxPerWrite: 32);

        var tasks = Enumerable.Range(0, 200).Select(commit.Add).ToList();
        Assert.Equal([1], writes.Select(w => w.Count));
        Assert.All(tasks, t => Assert.False(t.IsCompleted));

        gate.SetResult();
        await Task.WhenAll(tasks);

        Assert.Equal([1, 32, 32, 32, 32, 32, 32, 7], writes.Select(w => w.Count));
        Assert.Equal(Enumerable.Range(0, 200), writes.SelectMany(w => w));

        // Idle again: a lone item is written alone, at once.
        await commit.Add(200);
        Assert.Equal([200], writes[^1]);
    }

    [Fact]
    public async Task A_failed_write_fails_its_own_items_only()
    {
        var gate = new TaskCompletionSource();
        var calls = 0;
        var commit = new GroupCommit<int>(async items =>
        {
            if (++calls == 1)
            {
                await gate.Task;
                throw new InvalidOperationException("storage away");
            }
        }, maxPerWrite: 32);

        var first = commit.Add(0);
        var later = Enumerable.Range(1, 5).Select(commit.Add).ToList();
        gate.SetResult();

        await Assert.ThrowsAsync<InvalidOperationException>(() => first);
        await Task.WhenAll(later);
        Assert.Equal(2, calls);
    }
}
