using System.Collections.Immutable;
using CityControl.Live;
using Microsoft.Extensions.Logging;
using Orleans.Utilities;

namespace CityControl.Grains.Live;

/// <summary>The web front ends that want live updates; read by the notifiers every few seconds, never per update.</summary>
public sealed class LiveHubListGrain(ILogger<LiveHubListGrain> logger) : Grain, ILiveHubListGrain
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

    public Task<ImmutableArray<ILiveUpdateObserver>> Observers()
    {
        _observers.ClearExpired();
        return Task.FromResult(_observers.Observers.Values.ToImmutableArray());
    }
}
