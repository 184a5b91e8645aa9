using CityControl.Devices;
using CityControl.Incidents;

namespace CityControl.Grains.Incidents;

[GenerateSerializer, Alias("citycontrol.incident-state.v1")]
public sealed class IncidentState
{
    [Id(0)] public IncidentOpening? Opening { get; set; }
    [Id(1)] public IncidentStatus Status { get; set; }
    [Id(2)] public Priority Priority { get; set; }
    [Id(3)] public Dictionary<string, LinkedAlarm> Alarms { get; set; } = new(StringComparer.Ordinal);
    [Id(4)] public List<TimelineEntry> Timeline { get; set; } = [];
    [Id(5)] public List<SopStep> Procedure { get; set; } = [];
    [Id(6)] public List<string> Evidence { get; set; } = [];
    [Id(7)] public string? AssignedUnit { get; set; }
    [Id(8)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(9)] public List<CapMessageRecord> CapMessages { get; set; } = [];
    [Id(10)] public List<Agency> Agencies { get; set; } = [];
    [Id(11)] public List<string> Devices { get; set; } = [];
    [Id(12)] public Dictionary<string, GeoPoint> DeviceLocations { get; set; } = new(StringComparer.Ordinal);
    [Id(13)] public List<IncidentMedia> Media { get; set; } = [];

    /// <summary>Escalation steps already applied to <see cref="Priority"/> (and published) while the incident waited.</summary>
    [Id(14)] public int EscalationSteps { get; set; }

    /// <summary>The video grants the incident gave its agencies, ended with it.</summary>
    [Id(15)] public List<CityControl.Video.IncidentVideoGrant> VideoGrants { get; set; } = [];

    /// <summary>The newest hazard zone of a confirmed leak, and the cameras its response attached.</summary>
    [Id(16)] public HazardZone? Hazard { get; set; }

    [Id(17)] public List<string> Cameras { get; set; } = [];

    /// <summary>Whether the hazard response has reported back (so an activation after a crash knows to start it again).</summary>
    [Id(18)] public bool HazardStarted { get; set; }

    /// <summary>The units whose emergency routes served this incident.</summary>
    [Id(19)] public List<string> Routes { get; set; } = [];

    /// <summary>The area the incident's public alert covers when it is not a hazard zone (a flooded car park's outline).</summary>
    [Id(20)] public List<GeoPoint> Area { get; set; } = [];

    /// <summary>When every alarm of the incident was shelved (from, until): time that does not count as waiting for escalation.</summary>
    [Id(21)] public List<ShelfSpan> Shelves { get; set; } = [];

    /// <summary>Whether the timeline already says that escalation waits for the current shelf.</summary>
    [Id(22)] public bool ShelfNoted { get; set; }
}

[GenerateSerializer, Immutable, Alias("citycontrol.shelf-span.v1")]
public sealed record class ShelfSpan([property: Id(0)] DateTimeOffset From, [property: Id(1)] DateTimeOffset Until);

[GenerateSerializer, Alias("citycontrol.correlator-state.v1")]
public sealed class CorrelatorState
{
    [Id(0)] public List<OpenIncident> Open { get; set; } = [];

    /// <summary>Which incident each active alarm (device|condition) belongs to, so that its clearing reaches it.</summary>
    [Id(1)] public Dictionary<string, string> AlarmIncident { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Shelved alarms (device|condition): until when, why and by whom, and how often they triggered meanwhile.</summary>
    [Id(2)] public Dictionary<string, ShelvedAlarm> Shelved { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Incidents whose hazard response watches this district's devices.</summary>
    [Id(3)] public List<string> Hazards { get; set; } = [];
}

[GenerateSerializer, Alias("citycontrol.shelved-alarm.v1")]
public sealed record class ShelvedAlarm(
    [property: Id(0)] DateTimeOffset Until,
    [property: Id(1)] string Reason,
    [property: Id(2)] string By,
    [property: Id(3)] int Triggers);
