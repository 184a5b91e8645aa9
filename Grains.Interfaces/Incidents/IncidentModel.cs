using System.Collections.Immutable;
using System.Text.Json.Serialization;
using CityControl.Devices;
using CityControl.Video;

namespace CityControl.Incidents;

public enum IncidentType
{
    ChemicalLeak,
    Fire,
    Flood,
    TrafficSignalFault,
    RoadAccident,
    StoppedVehicle,
    Intrusion,
    Loitering,
    Crowding,
    CameraTampering,
    EquipmentFault,
    ExternalWarning,
}

public enum IncidentStatus
{
    New,
    Acknowledged,
    Dispatched,
    EnRoute,
    OnScene,
    Resolved,
    Closed,
    Cancelled,
    FalseAlarm,
}

/// <summary>P1 is the most urgent.</summary>
public enum Priority
{
    [JsonStringEnumMemberName("P1")]
    P1 = 1,
    [JsonStringEnumMemberName("P2")]
    P2 = 2,
    [JsonStringEnumMemberName("P3")]
    P3 = 3,
    [JsonStringEnumMemberName("P4")]
    P4 = 4,
}

public enum Agency
{
    Police,
    Fire,
    Traffic,
    Disaster,
    Maintenance,
}

/// <summary>ISA-18.2 alarm states, as an operator sees each alarm linked to an incident.</summary>
public enum AlarmState
{
    Unacknowledged,
    Acknowledged,
    ReturnedToNormalUnacknowledged,
    Normal,
    Shelved,
    SuppressedByDesign,
    OutOfService,
}

/// <summary>Who acts: the user's name and roles, as the web front end authenticated them.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.actor.v1")]
public sealed record class Actor(
    [property: Id(0)] string Name,
    [property: Id(1)] ImmutableArray<string> Roles);

/// <summary>An alarm as it reaches the incident side: which device, where, and the transition.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.alarm-signal.v1")]
public sealed record class AlarmSignal(
    [property: Id(0)] string DeviceId,
    [property: Id(1)] DeviceKind Kind,
    [property: Id(2)] string District,
    [property: Id(3)] string Zone,
    [property: Id(4)] GeoPoint Location,
    [property: Id(5)] AlarmTransition Transition,
    [property: Id(6)] LifecycleStatus Status = LifecycleStatus.Active);

/// <summary>One alarm (device and condition) linked to an incident: repeated triggers are counted, not re-raised.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.linked-alarm.v1")]
public sealed record class LinkedAlarm(
    [property: Id(0)] string DeviceId,
    [property: Id(1)] AlarmCondition Condition,
    [property: Id(2)] AlarmState State,
    [property: Id(3)] bool Active,
    [property: Id(4)] int Triggers,
    [property: Id(5)] DateTimeOffset FirstAt,
    [property: Id(6)] DateTimeOffset LastAt,
    [property: Id(7)] string LastMessage,
    [property: Id(8)] double? LastValue,
    [property: Id(9)] DateTimeOffset? ShelvedUntil = null,
    [property: Id(10)] Phrase? LastText = null);

/// <summary>One line of an incident's append-only audit timeline; <see cref="Said"/>, where given, is its detail as a phrase.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.timeline-entry.v1")]
public sealed record class TimelineEntry(
    [property: Id(0)] int Sequence,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Actor,
    [property: Id(3)] string Action,
    [property: Id(4)] IncidentStatus? From,
    [property: Id(5)] IncidentStatus? To,
    [property: Id(6)] string Detail,
    [property: Id(7)] Phrase? Said = null);

[GenerateSerializer, Immutable, Alias("citycontrol.sop-step.v1")]
public sealed record class SopStep(
    [property: Id(0)] int Number,
    [property: Id(1)] string Text,
    [property: Id(2)] string? DoneBy,
    [property: Id(3)] DateTimeOffset? DoneAt);

/// <summary>
/// An incident as a list shows it. <see cref="LatestAlarm"/> is what its most recent alarm said, e.g. which kind of
/// road user a camera saw ("Person in restricted zone hard shoulder, confidence 0.72 (momentary)").
/// </summary>
[GenerateSerializer, Immutable, Alias("citycontrol.incident-summary.v1")]
public sealed record class IncidentSummary(
    [property: Id(0)] string Id,
    [property: Id(1)] IncidentType Type,
    [property: Id(2)] Priority Priority,
    [property: Id(3)] IncidentStatus Status,
    [property: Id(4)] string Title,
    [property: Id(5)] string District,
    [property: Id(6)] string Zone,
    [property: Id(7)] GeoPoint Location,
    [property: Id(8)] ImmutableArray<Agency> Agencies,
    [property: Id(9)] DateTimeOffset OpenedAt,
    [property: Id(10)] DateTimeOffset UpdatedAt,
    [property: Id(11)] int AlarmCount,
    [property: Id(12)] bool Confirmed,
    [property: Id(13)] DateTimeOffset? ShelvedUntil = null,
    [property: Id(14)] string? LatestAlarm = null,
    [property: Id(15)] Phrase? LatestAlarmText = null);

/// <summary>An incident with everything a dispatcher needs.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.incident-detail.v1")]
public sealed record class IncidentDetail(
    [property: Id(0)] IncidentSummary Summary,
    [property: Id(1)] ImmutableArray<string> Devices,
    [property: Id(2)] ImmutableArray<LinkedAlarm> Alarms,
    [property: Id(3)] ImmutableArray<TimelineEntry> Timeline,
    [property: Id(4)] ImmutableArray<SopStep> Procedure,
    [property: Id(5)] ImmutableArray<string> Evidence,
    [property: Id(6)] string? AssignedUnit,
    [property: Id(7)] string Description,
    [property: Id(8)] ImmutableArray<CapMessageRecord> CapMessages,
    [property: Id(9)] ImmutableArray<IncidentMedia> Media,
    [property: Id(10)] HazardZone? Hazard,
    [property: Id(11)] ImmutableArray<string> Cameras,
    [property: Id(12)] ImmutableArray<string> Routes,
    [property: Id(13)] ImmutableArray<GeoPoint> Area,
    [property: Id(14)] Phrase? DescriptionText = null);

/// <summary>A camera's evidence linked to an incident with the alarm it came with; the hash of record is the one kept here.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.incident-media.v1")]
public sealed record class IncidentMedia(
    [property: Id(0)] string DeviceId,
    [property: Id(1)] AlarmCondition Condition,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] EvidenceItem Item);

/// <summary>A CAP message this incident sent or came from, so that updates and cancels can reference it.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.cap-message-record.v1")]
public sealed record class CapMessageRecord(
    [property: Id(0)] string Identifier,
    [property: Id(1)] string Sender,
    [property: Id(2)] DateTimeOffset Sent);

/// <summary>What opens an incident; a called-in leak may say which chemical (the gas catalogue's formula) and how large a spill.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.incident-opening.v1")]
public sealed record class IncidentOpening(
    [property: Id(0)] IncidentType Type,
    [property: Id(1)] Priority Priority,
    [property: Id(2)] string Title,
    [property: Id(3)] string Description,
    [property: Id(4)] string District,
    [property: Id(5)] string Zone,
    [property: Id(6)] GeoPoint Location,
    [property: Id(7)] DateTimeOffset At,
    [property: Id(8)] string OpenedBy,
    [property: Id(9)] CapMessageRecord? Source = null,
    [property: Id(10)] string? Chemical = null,
    [property: Id(11)] SpillSize? Spill = null,
    [property: Id(12)] Phrase? DescriptionText = null);

public enum IncidentActionKind
{
    Acknowledge,
    Assign,
    Dispatch,
    EnRoute,
    OnScene,
    Resolve,
    Close,
    Cancel,
    FalseAlarm,
    AddNote,
    CompleteStep,
    ShelveAlarm,
    AddEvidence,
}

/// <summary>Something a person does to an incident. Unit for Assign/Dispatch, Text for notes and reasons, Step for the SOP, Device/Condition/Until for shelving.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.incident-action.v1")]
public sealed record class IncidentAction(
    [property: Id(0)] IncidentActionKind Kind,
    [property: Id(1)] string? Unit = null,
    [property: Id(2)] string? Text = null,
    [property: Id(3)] int? Step = null,
    [property: Id(4)] string? DeviceId = null,
    [property: Id(5)] AlarmCondition? Condition = null,
    [property: Id(6)] TimeSpan? ShelveFor = null,
    [property: Id(7)] Agency? Agency = null);

[GenerateSerializer, Immutable, Alias("citycontrol.incident-query.v1")]
public sealed record class IncidentQuery(
    [property: Id(0)] IncidentStatus? Status = null,
    [property: Id(1)] IncidentType? Type = null,
    [property: Id(2)] Agency? Agency = null,
    [property: Id(3)] string? District = null,
    [property: Id(4)] DateTimeOffset? From = null,
    [property: Id(5)] DateTimeOffset? To = null,
    [property: Id(6)] Priority? Priority = null,
    [property: Id(7)] string? Text = null,
    [property: Id(8)] bool? Ended = null);

/// <summary>A change to an incident, published once on the <c>incident-events</c> stream for the control room to push.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.incident-event.v1")]
public sealed record class IncidentEvent(
    [property: Id(0)] IncidentSummary Incident,
    [property: Id(1)] string Change,
    [property: Id(2)] DateTimeOffset At);

/// <summary>
/// A district's alarm load over the last ten minutes, as ISA-18.2 and EEMUA 191 measure it: alarms annunciated to
/// operators (repeats included), whether that is a flood (more than 10 in 10 minutes), the priority mix, and what was
/// kept from operators (shelved, suppressed by design, out of service).
/// </summary>
[GenerateSerializer, Immutable, Alias("citycontrol.alarm-rate.v1")]
public sealed record class AlarmRate(
    [property: Id(0)] string District,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] int Annunciated,
    [property: Id(3)] bool Flood,
    [property: Id(4)] ImmutableDictionary<Priority, int> ByPriority,
    [property: Id(5)] int Shelved,
    [property: Id(6)] int SuppressedByDesign,
    [property: Id(7)] int OutOfService)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(10);
    public const int FloodThreshold = 10;
}
