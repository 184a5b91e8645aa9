using System.Collections.Immutable;
using CityControl.Devices;

namespace CityControl.Incidents;

/// <summary>A vehicle owner registered to a car park, to be told when it floods.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.subscriber.v1")]
public sealed record class Subscriber(
    [property: Id(0)] string Name,
    [property: Id(1)] string Phone);

/// <summary>
/// A riverside car park: the devices of one zone of a district (its gauges, barriers and cameras), its outline for the
/// public alert, how early its barriers close before the danger level, and who is told.
/// </summary>
[GenerateSerializer, Immutable, Alias("citycontrol.car-park.v1")]
public sealed record class CarPark(
    [property: Id(0)] string District,
    [property: Id(1)] string Zone,
    [property: Id(2)] string Name,
    [property: Id(3)] ImmutableArray<GeoPoint> Outline,
    [property: Id(4)] double CloseWithinMinutes,
    [property: Id(5)] ImmutableArray<Subscriber> Subscribers,
    [property: Id(6)] DateTimeOffset UpdatedAt,
    [property: Id(7)] string UpdatedBy);

/// <summary>
/// How many vehicles a car park holds by its entrance cameras' counts: <see cref="Parked"/> since <see cref="Since"/>
/// (when someone set the number after looking, or the first count), with the vehicles counted in and out since then.
/// A count that would go below zero (a vehicle that was inside before counting began leaving) leaves zero and is
/// counted in <see cref="Corrections"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("citycontrol.car-park-occupancy.v1")]
public sealed record class CarParkOccupancy(
    [property: Id(0)] int Parked,
    [property: Id(1)] int In,
    [property: Id(2)] int Out,
    [property: Id(3)] DateTimeOffset Since,
    [property: Id(4)] string SetBy,
    [property: Id(5)] DateTimeOffset UpdatedAt,
    [property: Id(6)] string? LastCamera = null,
    [property: Id(7)] int Corrections = 0);

/// <summary>A car park's registration, keyed "district/zone".</summary>
public interface ICarParkGrain : IGrainWithStringKey
{
    /// <summary>Creates or replaces it; throws <see cref="IncidentRuleException"/> (Invalid) naming the field and the rule.</summary>
    Task<CarPark> Define(CarPark carPark);

    Task<CarPark?> Get();

    /// <summary>A camera of the car park's zone counted a vehicle through its entrance; ignored while no car park is registered.</summary>
    [Orleans.Concurrency.OneWay]
    Task Counted(string cameraId, Video.CountDirection direction, DateTimeOffset at);

    /// <summary>Null until a count or a setting; the car park must be registered (<see cref="IncidentRuleException"/> NotFound).</summary>
    Task<CarParkOccupancy?> GetOccupancy();

    /// <summary>Someone looked: the car park holds this many vehicles now, and counting goes on from there.</summary>
    Task<CarParkOccupancy> SetOccupancy(int parked, string setBy);

    /// <summary>The flood incident that closed the car park hears of each count until it stops watching.</summary>
    Task Watch(string incidentId);

    Task StopWatching(string incidentId);
}

/// <summary>One notice to one subscriber, and what the notification channel answered.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.notice-result.v1")]
public sealed record class NoticeResult(
    [property: Id(0)] string Phone,
    [property: Id(1)] bool Sent,
    [property: Id(2)] string Detail);

/// <summary>
/// A flood incident's response (keyed by the incident's id): when a gauge of its car park reaches danger or is
/// predicted to within the car park's lead time, it attaches the car park's cameras, closes its barriers (their
/// reports back on the timeline), tells its subscribers through the notification channel, and gives the incident
/// the car park's outline as its alert area. When the incident is resolved, the car park opens again.
/// </summary>
public interface IFloodResponseGrain : IGrainWithStringKey
{
    [Orleans.Concurrency.OneWay]
    Task Start(string district, string zone);

    [Orleans.Concurrency.OneWay]
    Task DeviceChanged(DeviceEvent evt);

    /// <summary>
    /// The incident ended (resolved: the car park was inspected): the barriers it closed are commanded open and the
    /// subscribers told, each on the timeline. One-way: the incident that calls it is called back with the steps.
    /// </summary>
    [Orleans.Concurrency.OneWay]
    Task Stop(string reason);

    /// <summary>A vehicle went in or out of the closed car park (an entrance camera's count, <paramref name="by"/> the camera), or someone set the number (no direction).</summary>
    [Orleans.Concurrency.OneWay]
    Task OccupancyChanged(CarParkOccupancy occupancy, Video.CountDirection? direction, string by);
}

public static class CarParks
{
    public static string KeyOf(string district, string zone) => $"{district}/{zone}";
}
