using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Orleans.Utilities;
using CityControl.Live;

namespace CityControl.Grains.Live;

/// <summary>Fans live updates out to every registered web front end.</summary>
public sealed class LiveHubGrain(ILogger<LiveHubGrain> logger) : Grain, ILiveHubGrain
{
    /// <summary>Front ends re-register every few seconds; one silent for this long is dropped.</summary>
    public static readonly TimeSpan ObserverExpiry = TimeSpan.FromSeconds(30);

    private readonly ObserverManager<ILiveUpdateObserver> _observers = new(ObserverExpiry, logger);

    public Task Register(ILiveUpdateObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task Unregister(ILiveUpdateObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public Task Push(ImmutableArray<LiveUpdate> updates) =>
        _observers.Notify(o => o.OnUpdates(updates));
}
