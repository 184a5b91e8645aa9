namespace CityControl.Grains.Devices;

/// <summary>
/// Group commit: the first item is written at once; items that arrive while a write is under way wait for it and
/// then go together, at most <paramref name="maxPerWrite"/> a write. Each item's task completes when its write has,
/// or fails with it. Not thread-safe: for one grain activation's turns (which interleave but never run at once).
/// </summary>
public sealed class GroupCommit<T>(Func<IReadOnlyList<T>, Task> write, int maxPerWrite)
{
    private readonly List<(T Item, TaskCompletionSource Written)> _pending = [];
    private Task _writing = Task.CompletedTask;

    public Task Add(T item)
    {
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending.Add((item, written));
        if (_writing.IsCompleted)
        {
            _writing = WriteAsync();
        }

        return written.Task;
    }

    private async Task WriteAsync()
    {
        while (_pending.Count > 0)
        {
            var count = Math.Min(_pending.Count, maxPerWrite);
            var batch = _pending.GetRange(0, count);
            _pending.RemoveRange(0, count);
            try
            {
                await write([.. batch.Select(b => b.Item)]);
                batch.ForEach(b => b.Written.TrySetResult());
            }
            catch (Exception ex)
            {
                batch.ForEach(b => b.Written.TrySetException(ex));
            }
        }
    }
}
