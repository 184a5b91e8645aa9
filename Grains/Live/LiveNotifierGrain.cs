using System.Collections.Immutable;
using CityControl.Live;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace CityControl.Grains.Live;

/// <summary>
/// Sends the district feeds' batches to every web front end (GPSTracker's push notifier): a stateless worker with a
/// cached list of front ends, refreshed every few seconds and at once when a push finds the list empty.
/// </summary>
[StatelessWorker]
public sealed partial class LiveNotifierGrain(ILogger<LiveNotifierGrain> logger) : Grain, ILiveNotifierGrain
{
    public static readonly TimeSpan RefreshPeriod = TimeSpan.FromSeconds(2);

    private ImmutableArray<ILiveUpdateObserver> _observers = [];
    private DateTimeOffset _refreshedAt = DateTimeOffset.MinValue;

    public async Task Push(ImmutableArray<LiveUpdate> updates)
    {
        if (_observers.IsEmpty || DateTimeOffset.UtcNow - _refreshedAt > RefreshPeriod)
        {
            _observers = await GrainFactory.GetGrain<ILiveHubListGrain>(0).Observers();
            _refreshedAt = DateTimeOffset.UtcNow;
        }

        await Task.WhenAll(_observers.Select(o => Send(o, updates)));
    }

    private async Task Send(ILiveUpdateObserver observer, ImmutableArray<LiveUpdate> updates)
    {
        try
        {
            await observer.OnUpdates(updates);
        }
        catch (Exception ex)
        {
            // The call is one-way, so only a failure to send shows here; a front end that went away is forgotten by the
            // list when its registration expires, and meanwhile costs the others nothing.
            LogPushFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A web front end did not take a live batch")]
    private partial void LogPushFailed(Exception ex);
}
