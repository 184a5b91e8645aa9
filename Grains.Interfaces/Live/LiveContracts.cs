using Orleans.Concurrency;
using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Incidents;

namespace CityControl.Live;

/// <summary>
/// A change for the control room's screens: an incident's new summary, or a device event with the device's status
/// after it (as the district's board has it), so screens replace a status rather than work it out again.
/// </summary>
[GenerateSerializer, Immutable, Alias("citycontrol.live-update.v1")]
public sealed record class LiveUpdate(
    [property: Id(0)] string District,
    [property: Id(1)] IncidentSummary? Incident,
    [property: Id(2)] DeviceEvent? Device,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] DeviceStatus? Status = null);

/// <summary>A web front end's receiver of live updates; it pushes them to its SignalR clients.</summary>
public interface ILiveUpdateObserver : IGrainObserver
{
    /// <summary>
    /// One-way: a front end that died (or hangs) must not hold up the feed for the others until the call times out.
    /// A batch it missed shows as a gap in the sequence, and its screens resynchronise.
    /// </summary>
    [OneWay]
    Task OnUpdates(ImmutableArray<LiveUpdate> updates);
}

/// <summary>
/// The registry of web front ends to push to. Hosts register every few seconds and silent ones expire; notifiers read
/// it only to refresh their cached copy, so it is off the hot path.
/// </summary>
public interface ILiveHubListGrain : IGrainWithIntegerKey
{
    Task Register(ILiveUpdateObserver observer);

    Task Unregister(ILiveUpdateObserver observer);

    Task<ImmutableArray<ILiveUpdateObserver>> Observers();
}

/// <summary>
/// Pushes batches of live updates to every web front end. A stateless worker: each silo runs as many activations as
/// the load needs, each with its own cached list of front ends, so no single grain carries the city's updates.
/// </summary>
public interface ILiveNotifierGrain : IGrainWithIntegerKey
{
    Task Push(ImmutableArray<LiveUpdate> updates);
}

/// <summary>A district's feed: subscribed to its incident and device streams, it batches what changed for the hub.</summary>
public interface ILiveFeedGrain : IGrainWithStringKey
{
    /// <summary>
    /// A device of the district changed (sent one-way by the device grain, straight to the feed: screens are not kept
    /// waiting for the durable event stream's queue; a screen that missed something resynchronises from snapshots).
    /// </summary>
    [OneWay]
    Task Device(DeviceEvent e);

    /// <summary>An incident of the district changed (one-way, from the incident grain).</summary>
    [OneWay]
    Task Incident(IncidentEvent e);

    /// <summary>The live status of every device of the district that is not decommissioned, as the map starts from it.</summary>
    Task<ImmutableArray<DeviceStatus>> Board();
}
