using Orleans.Streams;

namespace CityControl.Tests.Infrastructure;

/// <summary>
/// A test's subscription to an Orleans stream: it keeps what arrives and lets a test await the event it expects
/// (a phase barrier), instead of sleeping or polling grains.
/// </summary>
public sealed class StreamProbe<T> : IAsyncDisposable
{
    private readonly List<T> _received = [];
    private readonly List<StreamSequenceToken?> _tokens = [];
    private readonly List<(Func<T, bool> Match, TaskCompletionSource<T> Done)> _waiters = [];
    private StreamSubscriptionHandle<T>? _handle;

    internal StreamProbe()
    {
    }

    public IReadOnlyList<T> Received
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>The stream's sequence token of each event received, in the same order as <see cref="Received"/>.</summary>
    public IReadOnlyList<StreamSequenceToken?> Tokens
    {
        get
        {
            lock (_received)
            {
                return [.. _tokens];
            }
        }
    }

    internal void Attach(StreamSubscriptionHandle<T> handle) => _handle = handle;

    /// <summary>The first event, already arrived or still to come, that matches.</summary>
    public Task<T> WaitFor(Func<T, bool> match, TimeSpan? timeout = null)
    {
        lock (_received)
        {
            foreach (var item in _received)
            {
                if (match(item))
                {
                    return Task.FromResult(item);
                }
            }

            var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, done));
            return done.Task.WaitAsync(timeout ?? StreamProbe.DefaultTimeout);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_handle is not null)
        {
            await _handle.UnsubscribeAsync();
        }
    }

    internal void Add(T item, StreamSequenceToken? token = null)
    {
        lock (_received)
        {
            _received.Add(item);
            _tokens.Add(token);
            foreach (var waiter in _waiters.Where(w => w.Match(item)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult(item);
            }
        }
    }
}

public static class StreamProbe
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Subscribes a probe to the stream <paramref name="streamNamespace"/>/<paramref name="key"/> of the events provider.</summary>
    public static async Task<StreamProbe<T>> SubscribeAsync<T>(IClusterClient client, string streamNamespace, string key)
    {
        var probe = new StreamProbe<T>();
        probe.Attach(await client.GetStreamProvider(StreamNames.Provider)
            .GetStream<T>(StreamId.Create(streamNamespace, key))
            .SubscribeAsync((item, token) =>
            {
                probe.Add(item, token);
                return Task.CompletedTask;
            }));
        return probe;
    }
}
