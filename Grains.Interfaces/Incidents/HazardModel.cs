using System.Collections.Immutable;
using CityControl.Devices;

namespace CityControl.Incidents;

/// <summary>ERG's spill sizes: small is up to about 208 litres (a drum, a cylinder, a small leak from a large package), large is more.</summary>
public enum SpillSize
{
    Small,
    Large,
}

/// <summary>The wind a weather station last reported: speed at 10 m and the direction it blows from (degrees clockwise from true north).</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.wind.v1")]
public sealed record class WindObservation(
    [property: Id(0)] string StationId,
    [property: Id(1)] double SpeedMetersPerSecond,
    [property: Id(2)] double FromDegrees,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] double? CloudOktas = null,
    [property: Id(5)] double? SolarRadiation = null);

/// <summary>One concentration contour of the modelled plume: where the ground-level concentration reaches a gas set-point.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.plume-contour.v1")]
public sealed record class PlumeContour(
    [property: Id(0)] string Level,
    [property: Id(1)] double Ppm,
    [property: Id(2)] double ReachMeters,
    [property: Id(3)] ImmutableArray<GeoPoint> Outline);

/// <summary>The Gaussian plume behind a hazard zone: its stability class, land use, the release rate the detectors imply and from which one.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.plume-estimate.v1")]
public sealed record class PlumeEstimate(
    [property: Id(0)] string Stability,
    [property: Id(1)] string Terrain,
    [property: Id(2)] double ReleaseGramsPerSecond,
    [property: Id(3)] string EstimatedFrom,
    [property: Id(4)] ImmutableArray<PlumeContour> Contours);

/// <summary>
/// The hazard zone of a confirmed leak, as computed at one moment: ERG's isolation circle and downwind protective-action
/// square for the gas, spill size and day or night, turned by the wind, joined with the modelled plume's contour at
/// the gas's low set-point where the detectors allow a release estimate. <see cref="Outline"/> is the zone that drives
/// cameras, signals and warnings (a closed ring, first point repeated last).
/// </summary>
[GenerateSerializer, Immutable, Alias("citycontrol.hazard-zone.v1")]
public sealed record class HazardZone(
    [property: Id(0)] int Version,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Gas,
    [property: Id(3)] string Material,
    [property: Id(4)] int UnNumber,
    [property: Id(5)] SpillSize Spill,
    [property: Id(6)] bool Daytime,
    [property: Id(7)] GeoPoint Source,
    [property: Id(8)] WindObservation? Wind,
    [property: Id(9)] double IsolationMeters,
    [property: Id(10)] double ProtectiveMeters,
    [property: Id(11)] ImmutableArray<GeoPoint> Outline,
    [property: Id(12)] PlumeEstimate? Plume,
    [property: Id(13)] string Basis);

/// <summary>A signal timing plan the control centre can put a signal on; Normal is its own time-of-day plan.</summary>
public enum SignalPlan
{
    Normal,

    /// <summary>Holds red on the approaches that lead into a hazard zone (inbound traffic stopped, outbound free).</summary>
    Closure,

    /// <summary>Long greens on the approaches that lead out of a hazard zone.</summary>
    Evacuation,
}

/// <summary>A command to a signal to run a plan, for an incident, until it is set back to Normal.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.signal-plan-command.v1")]
public sealed record class SignalPlanCommand(
    [property: Id(0)] SignalPlan Plan,
    [property: Id(1)] string IncidentId,
    [property: Id(2)] string Reason,
    [property: Id(3)] DateTimeOffset At);

/// <summary>What a signal answered to a plan command: taken, or refused with the reason (offline, in fault, not in service).</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.signal-plan-answer.v1")]
public sealed record class SignalPlanAnswer(
    [property: Id(0)] string SignalId,
    [property: Id(1)] SignalPlan Plan,
    [property: Id(2)] bool Accepted,
    [property: Id(3)] string Detail,
    [property: Id(4)] DateTimeOffset At);

/// <summary>The hazard response of one incident: the zone and its versions, and what each version drove.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.hazard-response.v1")]
public sealed record class HazardResponse(
    [property: Id(0)] string IncidentId,
    [property: Id(1)] HazardZone? Zone,
    [property: Id(2)] ImmutableArray<HazardZone> History,
    [property: Id(3)] ImmutableArray<string> Cameras,
    [property: Id(4)] ImmutableArray<SignalPlanAnswer> Signals,
    [property: Id(5)] bool Active);

/// <summary>
/// What starts a leak's hazard response: the incident, where, and the detectors in alarm; for a leak called in before
/// any detector confirms it, the chemical and spill size the caller reported.
/// </summary>
[GenerateSerializer, Immutable, Alias("citycontrol.hazard-start.v1")]
public sealed record class HazardStart(
    [property: Id(0)] string IncidentId,
    [property: Id(1)] string District,
    [property: Id(2)] GeoPoint Location,
    [property: Id(3)] ImmutableArray<string> GasDevices,
    [property: Id(4)] DateTimeOffset At,
    [property: Id(5)] string? Gas = null,
    [property: Id(6)] SpillSize? Spill = null);

/// <summary>One step of a response (hazard zone, emergency route) for the incident's timeline: who or what did it, what, and the detail (with <see cref="Said"/>, its phrase, where it has one).</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.response-step.v1")]
public sealed record class ResponseStep(
    [property: Id(0)] string Actor,
    [property: Id(1)] string Action,
    [property: Id(2)] string Detail,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] Phrase? Said = null);

/// <summary>
/// The hazard response of one leak incident (keyed by the incident's id): it draws the zone from the detectors and the
/// nearest weather station, and drives cameras, signals and warning devices from it, again whenever the wind turns or
/// the readings change, until the incident ends.
/// </summary>
public interface IHazardResponseGrain : IGrainWithStringKey
{
    /// <summary>Starts the response (again: idempotent). One-way: the incident that calls it is called back with each step.</summary>
    [Orleans.Concurrency.OneWay]
    Task Start(HazardStart start);

    /// <summary>A device the response depends on changed (a wind turn, a detector's level, a warning device's report).</summary>
    [Orleans.Concurrency.OneWay]
    Task DeviceChanged(DeviceEvent evt);

    /// <summary>The incident ended: signals go back to their own plans and warnings stop. One-way, as <see cref="Start"/>.</summary>
    [Orleans.Concurrency.OneWay]
    Task Stop(string reason);

    Task<HazardResponse?> Get();
}
