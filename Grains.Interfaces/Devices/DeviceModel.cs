using System.Collections.Immutable;

namespace CityControl.Devices;

/// <summary>The kinds of field device the platform knows.</summary>
public enum DeviceKind
{
    Camera,
    TrafficSignal,
    GasSensor,
    FloodSensor,

    /// <summary>Wind, temperature and sky: what a hazard zone's direction and dispersion are computed from.</summary>
    WeatherStation,

    /// <summary>A public warning device: a siren, a loudspeaker or a variable message sign.</summary>
    WarningDevice,

    /// <summary>An entrance barrier (a riverside car park's gate): open, closed or in fault, commanded from the control centre.</summary>
    Barrier,
}

/// <summary>Where a device is in its life: set by admins, except that a provisioned device becomes active on its first accepted reading.</summary>
public enum LifecycleStatus
{
    Provisioned,
    Active,
    Maintenance,
    Decommissioned,
}

/// <summary>Whether the device is reporting within its heartbeat interval.</summary>
public enum Connectivity
{
    Unknown,
    Online,
    Offline,
}

[GenerateSerializer, Immutable, Alias("citycontrol.geo-point.v1")]
public sealed record class GeoPoint(
    [property: Id(0)] double Latitude,
    [property: Id(1)] double Longitude);

/// <summary>
/// A camera's stream and view, and who may watch it: the owning agency and the purposes it is watched for (the city's
/// crime-prevention cameras when not said).
/// </summary>
[GenerateSerializer, Immutable, Alias("citycontrol.camera-settings.v1")]
public sealed record class CameraSettings(
    [property: Id(0)] string? StreamUrl,
    [property: Id(1)] double? BearingDegrees,
    [property: Id(2)] double? FieldOfViewDegrees,
    [property: Id(3)] double? RangeMeters,
    [property: Id(4)] CityControl.Video.CameraOwner? Owner = null,
    [property: Id(5)] ImmutableArray<CityControl.Video.VideoPurpose>? Purposes = null)
{
    public CityControl.Video.CameraOwner OwnerOrDefault => Owner ?? CityControl.Video.CameraOwner.City;

    public ImmutableArray<CityControl.Video.VideoPurpose> PurposesOrDefault =>
        Purposes is { IsDefaultOrEmpty: false } purposes ? purposes : [CityControl.Video.VideoPurpose.CrimePrevention];
}

[GenerateSerializer, Immutable, Alias("citycontrol.signal-phase.v1")]
public sealed record class SignalPhaseTiming(
    [property: Id(0)] int Phase,
    [property: Id(1)] double MinGreenSeconds,
    [property: Id(2)] double MaxGreenSeconds,
    [property: Id(3)] double YellowSeconds,
    [property: Id(4)] double RedClearanceSeconds);

[GenerateSerializer, Immutable, Alias("citycontrol.signal-settings.v1")]
public sealed record class TrafficSignalSettings(
    [property: Id(0)] double CycleSeconds,
    [property: Id(1)] ImmutableArray<SignalPhaseTiming> Phases,
    [property: Id(2)] string? ControllerAddress);

/// <summary>
/// Gas detector set-points, all in <see cref="Unit"/> (ppm, ppb, %LEL, %vol or mg/m3). Low and High are instantaneous,
/// Twa the 8-hour and Stel the 15-minute time-weighted average limits. The rest tune the alarm rules: an alarm clears
/// only below its set-point less <see cref="DeadbandPercent"/>, raises only after <see cref="DelayOnSeconds"/> above
/// it, a rise faster than <see cref="RateOfRisePerMinute"/> alarms on its own, and a reading above
/// <see cref="FullScale"/> (the sensor's range) is a sensor fault.
/// </summary>
[GenerateSerializer, Immutable, Alias("citycontrol.gas-settings.v1")]
public sealed record class GasSensorSettings(
    [property: Id(0)] string Gas,
    [property: Id(1)] string Unit,
    [property: Id(2)] double? Low,
    [property: Id(3)] double? High,
    [property: Id(4)] double? Twa,
    [property: Id(5)] double? Stel,
    [property: Id(6)] double? FullScale = null,
    [property: Id(7)] double? RateOfRisePerMinute = null,
    [property: Id(8)] double? DeadbandPercent = null,
    [property: Id(9)] double? DelayOnSeconds = null,
    [property: Id(10)] double? FlatlineMinutes = null);

/// <summary>Flood gauge levels in metres above the gauge datum, as FIWARE FloodMonitoring names them; a rise faster than <see cref="RateOfRisePerHour"/> (m/h) alarms on its own.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.flood-settings.v1")]
public sealed record class FloodSensorSettings(
    [property: Id(0)] double ReferenceLevel,
    [property: Id(1)] double AlertLevel,
    [property: Id(2)] double DangerLevel,
    [property: Id(3)] double? RateOfRisePerHour = null);

public enum WarningDeviceType
{
    Siren,
    Loudspeaker,
    MessageSign,
}

/// <summary>A public warning device: what it is and how far it reaches (audible or readable), in metres.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.warning-settings.v1")]
public sealed record class WarningDeviceSettings(
    [property: Id(0)] WarningDeviceType Type,
    [property: Id(1)] double RangeMeters);

/// <summary>Everything an admin says about a device. Exactly one kind section is set, the one of <see cref="Kind"/>.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.device-definition.v1")]
public sealed record class DeviceDefinition(
    [property: Id(0)] string Id,
    [property: Id(1)] DeviceKind Kind,
    [property: Id(2)] string Name,
    [property: Id(3)] GeoPoint Location,
    [property: Id(4)] string District,
    [property: Id(5)] string Zone,
    [property: Id(6)] TimeSpan HeartbeatInterval,
    [property: Id(7)] CameraSettings? Camera = null,
    [property: Id(8)] TrafficSignalSettings? TrafficSignal = null,
    [property: Id(9)] GasSensorSettings? GasSensor = null,
    [property: Id(10)] FloodSensorSettings? FloodSensor = null,
    [property: Id(11)] WarningDeviceSettings? WarningDevice = null);

/// <summary>What an admin may change on an existing device; null leaves a field as it is.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.device-update.v1")]
public sealed record class DeviceUpdate(
    [property: Id(0)] string? Name = null,
    [property: Id(1)] GeoPoint? Location = null,
    [property: Id(2)] string? District = null,
    [property: Id(3)] string? Zone = null,
    [property: Id(4)] TimeSpan? HeartbeatInterval = null,
    [property: Id(5)] LifecycleStatus? Status = null,
    [property: Id(6)] CameraSettings? Camera = null,
    [property: Id(7)] TrafficSignalSettings? TrafficSignal = null,
    [property: Id(8)] GasSensorSettings? GasSensor = null,
    [property: Id(9)] FloodSensorSettings? FloodSensor = null,
    [property: Id(10)] WarningDeviceSettings? WarningDevice = null);

/// <summary>One measurement as the platform keeps it.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.reading.v1")]
public sealed record class Reading(
    [property: Id(0)] DateTimeOffset Timestamp,
    [property: Id(1)] string Metric,
    [property: Id(2)] double Value,
    [property: Id(3)] string Unit);

/// <summary>Readings for one device, already validated and journaled by the ingest path.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.reading-batch.v1")]
public sealed record class ReadingBatch(
    [property: Id(0)] ImmutableArray<Reading> Readings,
    [property: Id(1)] DateTimeOffset ReceivedAt);

[GenerateSerializer, Immutable, Alias("citycontrol.reading-batch-result.v1")]
public sealed record class ReadingBatchResult(
    [property: Id(0)] int Applied,
    [property: Id(1)] int Duplicates,
    [property: Id(2)] int Ignored);

public enum SignalMode
{
    Normal,
    Flash,
    Fault,
    Preemption,
}

public enum FloodStage
{
    Normal,
    Alert,
    Danger,
}

public enum GasLevel
{
    Normal,
    Low,
    High,
}

/// <summary>Live, kind-specific state derived from readings.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.live-state.v1")]
public sealed record class LiveState(
    [property: Id(0)] SignalMode? SignalMode = null,
    [property: Id(1)] int? SignalPhase = null,
    [property: Id(2)] FloodStage? FloodStage = null,
    [property: Id(3)] double? WaterLevel = null,
    [property: Id(4)] GasLevel? GasLevel = null,
    [property: Id(5)] double? GasConcentration = null,
    [property: Id(6)] bool? StreamUp = null,
    [property: Id(7)] TrafficLoad? Traffic = null,
    [property: Id(8)] WindState? Wind = null,
    [property: Id(9)] SignalPlanState? SignalPlan = null,
    [property: Id(10)] WarningState? Warning = null,
    [property: Id(11)] PriorityState? Priority = null,
    [property: Id(12)] double? FloodRisePerHour = null,
    [property: Id(13)] double? MinutesToDanger = null,
    [property: Id(14)] BarrierPosition? BarrierPosition = null,
    [property: Id(15)] BarrierCommandState? BarrierCommand = null);

public enum BarrierPosition
{
    Open,
    Closed,
    Moving,
    Fault,
}

/// <summary>What the control centre told a barrier to do, for which incident, and whether the barrier reported it done.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.barrier-command-state.v1")]
public sealed record class BarrierCommandState(
    [property: Id(0)] BarrierPosition Target,
    [property: Id(1)] string IncidentId,
    [property: Id(2)] DateTimeOffset CommandedAt,
    [property: Id(3)] DateTimeOffset? DoneAt = null);

/// <summary>A device's answer to a command: taken, or refused with the reason (said as a phrase where it is one).</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.device-command-answer.v1")]
public sealed record class DeviceCommandAnswer(
    [property: Id(0)] string DeviceId,
    [property: Id(1)] bool Accepted,
    [property: Id(2)] string Detail,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] Phrase? Said = null);

/// <summary>A signal's emergency-vehicle priority: every live request and which are granted (the rest wait, queued).</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.priority-state.v1")]
public sealed record class PriorityState(
    [property: Id(0)] ImmutableArray<CityControl.Traffic.PriorityRequest> Requests,
    [property: Id(1)] ImmutableArray<string> Granted);

/// <summary>A weather station's newest wind: speed (m/s) and the direction it blows from (degrees from true north).</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.wind-state.v1")]
public sealed record class WindState(
    [property: Id(0)] double? SpeedMetersPerSecond,
    [property: Id(1)] double? FromDegrees,
    [property: Id(2)] double? CloudOktas = null,
    [property: Id(3)] double? SolarRadiation = null,
    [property: Id(4)] double? Temperature = null);

/// <summary>The plan the control centre put a signal on, for which incident, since when.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.signal-plan-state.v1")]
public sealed record class SignalPlanState(
    [property: Id(0)] CityControl.Incidents.SignalPlan Plan,
    [property: Id(1)] string IncidentId,
    [property: Id(2)] DateTimeOffset Since);

/// <summary>A warning device's message: the command sent, and whether the device reported it playing.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.warning-state.v1")]
public sealed record class WarningState(
    [property: Id(0)] int Sequence,
    [property: Id(1)] string Message,
    [property: Id(2)] string IncidentId,
    [property: Id(3)] DateTimeOffset CommandedAt,
    [property: Id(4)] DateTimeOffset? ReportedAt = null,
    [property: Id(5)] bool Active = true);

/// <summary>How congested an approach is, from its detectors' occupancy (the share of time a vehicle is over them).</summary>
public enum CongestionLevel
{
    Free,
    Moderate,
    Heavy,
    Jammed,
}

/// <summary>One approach of an intersection: its detectors' newest occupancy and count, and the congestion they mean.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.approach-state.v1")]
public sealed record class ApproachState(
    [property: Id(0)] double? OccupancyPercent,
    [property: Id(1)] double? Volume,
    [property: Id(2)] CongestionLevel? Congestion);

/// <summary>A traffic signal's approaches (north-, south-, east-, westbound), as their detectors last reported.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.traffic-load.v1")]
public sealed record class TrafficLoad(
    [property: Id(0)] ApproachState? NB = null,
    [property: Id(1)] ApproachState? SB = null,
    [property: Id(2)] ApproachState? EB = null,
    [property: Id(3)] ApproachState? WB = null,
    [property: Id(4)] CongestionLevel? Worst = null);

/// <summary>A device's full picture, as the API and control room show it.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.device-snapshot.v1")]
public sealed record class DeviceSnapshot(
    [property: Id(0)] DeviceDefinition Definition,
    [property: Id(1)] LifecycleStatus Status,
    [property: Id(2)] Connectivity Connectivity,
    [property: Id(3)] DateTimeOffset? LastSeen,
    [property: Id(4)] ImmutableDictionary<string, Reading> LatestReadings,
    [property: Id(5)] LiveState Live,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] DateTimeOffset UpdatedAt,
    [property: Id(8)] DateTimeOffset? CredentialIssuedAt,
    [property: Id(9)] IReadOnlyList<ActiveAlarm>? ActiveAlarms = null);

/// <summary>The short form the directory keeps for listing and for routing readings.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.device-summary.v1")]
public sealed record class DeviceSummary(
    [property: Id(0)] string Id,
    [property: Id(1)] DeviceKind Kind,
    [property: Id(2)] string Name,
    [property: Id(3)] GeoPoint Location,
    [property: Id(4)] string District,
    [property: Id(5)] string Zone,
    [property: Id(6)] LifecycleStatus Status);

[GenerateSerializer, Immutable, Alias("citycontrol.device-query.v1")]
public sealed record class DeviceQuery(
    [property: Id(0)] DeviceKind? Kind = null,
    [property: Id(1)] string? District = null,
    [property: Id(2)] LifecycleStatus? Status = null);

public enum DeviceEventType
{
    WentOffline,
    CameBackOnline,
    LifecycleChanged,
    ConfigurationChanged,
    StateChanged,
    AlarmRaised,
    AlarmCleared,

    /// <summary>What screens show moved (a signal's phase, its approaches' occupancy) with nothing to act on: published, not kept in the device's history.</summary>
    LiveStateChanged,

    /// <summary>The control centre commanded the device (a signal plan, a warning message): what the field is to do is in the event's live state.</summary>
    CommandIssued,
}

/// <summary>Something about a device that others (alarms, the control room) may act on; what it says, also as a phrase where it is one.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.device-event.v1")]
public sealed record class DeviceEvent(
    [property: Id(0)] string DeviceId,
    [property: Id(1)] DeviceKind Kind,
    [property: Id(2)] string District,
    [property: Id(3)] string Zone,
    [property: Id(4)] DeviceEventType Type,
    [property: Id(5)] DateTimeOffset At,
    [property: Id(6)] string Detail,
    [property: Id(7)] AlarmTransition? Alarm = null,
    [property: Id(8)] GeoPoint? Location = null,
    [property: Id(9)] LifecycleStatus? Status = null,
    [property: Id(10)] LiveState? Live = null,
    [property: Id(11)] Connectivity? Connectivity = null,
    [property: Id(12)] Phrase? Said = null);

/// <summary>What a map marker shows of a device: its live state, whether it reports, and how many alarms it has active.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.device-status.v1")]
public sealed record class DeviceStatus(
    [property: Id(0)] string Id,
    [property: Id(1)] LiveState Live,
    [property: Id(2)] Connectivity Connectivity,
    [property: Id(3)] ImmutableArray<AlarmCondition> ActiveAlarms,
    [property: Id(4)] DateTimeOffset? LastSeen);
