using System.Collections.Immutable;
using CityControl.Video;

namespace CityControl.Devices;

/// <summary>Conditions a device's rules watch for; each is active or not, with the value and time it changed.</summary>
public enum AlarmCondition
{
    GasLow,
    GasHigh,
    GasTwa,
    GasStel,
    GasRateOfRise,
    SensorFlatline,
    SensorOutOfRange,
    DeviceOffline,
    FloodAlert,
    FloodDanger,
    FloodRateOfRise,
    SignalFlash,
    SignalFault,
    SignalPreemption,
    SignalStuckPhase,
    CameraStreamLoss,
    VideoIntrusion,
    VideoLoitering,
    VideoCrowding,
    VideoStoppedVehicle,
    CameraTampering,
}

/// <summary>
/// A condition becoming active (raised) or inactive (cleared), as the rules decided it. Video analytics conditions
/// carry the evidence (snapshot and clip, with their SHA-256) of what the camera saw. <see cref="Message"/> is
/// <see cref="Text"/> in English (a transition stored before phrases existed has only the message).
/// </summary>
[GenerateSerializer, Immutable, Alias("citycontrol.alarm-transition.v1")]
public sealed record class AlarmTransition(
    [property: Id(0)] AlarmCondition Condition,
    [property: Id(1)] bool Active,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] double? Value,
    [property: Id(4)] string Message,
    [property: Id(5)] ImmutableArray<EvidenceItem>? Evidence = null,
    [property: Id(6)] Phrase? Text = null);

/// <summary>A condition that is active now on a device; <see cref="Message"/> is <see cref="Text"/> in English.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.active-alarm.v1")]
public sealed record class ActiveAlarm(
    [property: Id(0)] AlarmCondition Condition,
    [property: Id(1)] DateTimeOffset Since,
    [property: Id(2)] double? Value,
    [property: Id(3)] string Message,
    [property: Id(4)] Phrase? Text = null);
