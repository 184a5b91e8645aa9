using System.Collections.Immutable;

namespace CityControl.Incidents;

/// <summary>One incident: its alarms, lifecycle, procedure and append-only audit timeline.</summary>
public interface IIncidentGrain : IGrainWithStringKey
{
    Task<IncidentSummary> Open(IncidentOpening opening);

    /// <summary>Links an alarm transition; a repeated trigger of a linked alarm is counted, not re-raised.</summary>
    Task<IncidentSummary> LinkAlarm(AlarmSignal alarm);

    /// <summary>A person's action, checked against their role and the lifecycle; throws <see cref="IncidentRuleException"/> when refused.</summary>
    Task<IncidentDetail> Act(IncidentAction action, Actor actor);

    /// <summary>
    /// Shelves a linked alarm (an <see cref="IncidentActionKind.ShelveAlarm"/> action, checked as <see cref="Act"/> checks
    /// any action). Called by the district's correlator, which then holds back the alarm's triggers: alarms flow one way,
    /// from the correlator to the incident.
    /// </summary>
    Task<IncidentDetail> ShelveAlarm(IncidentAction action, Actor actor);

    Task<IncidentDetail?> GetDetail();

    /// <summary>Records a CAP message sent for this incident, so later updates and cancels can reference it.</summary>
    Task RecordCapMessage(CapMessageRecord message);

    /// <summary>
    /// Records a step of the incident's hazard response (a zone drawn, cameras attached, a signal's answer, a warning
    /// sent or playing) on its timeline, in order, and keeps the newest zone and the attached cameras.
    /// </summary>
    Task RecordHazard(HazardZone? zone, ImmutableArray<string>? cameras, ImmutableArray<ResponseStep> steps);

    /// <summary>Records steps of a flood response, the area the public alert covers (a car park's outline) and the cameras it attached.</summary>
    Task RecordAreaResponse(ImmutableArray<CityControl.Devices.GeoPoint>? area, ImmutableArray<string>? cameras, ImmutableArray<ResponseStep> steps);

    /// <summary>Records steps of an emergency route (each signal's answer) on the timeline, and the route's unit among the incident's routes.</summary>
    Task RecordRouteSteps(string unit, ImmutableArray<ResponseStep> steps);

    /// <summary>Records the video grants the incident gave its agencies (and why cameras were left out) on its timeline.</summary>
    Task RecordVideoGrants(ImmutableArray<CityControl.Video.IncidentVideoGrant> grants, ImmutableArray<string> notes);
}

/// <summary>Correlates a district's alarms into incidents; subscribed implicitly to the district's device events.</summary>
public interface IIncidentCorrelatorGrain : IGrainWithStringKey
{
    /// <summary>Joins the alarm to an open incident or opens one; returns the incident's id, or null when the alarm opens none (information only, shelved).</summary>
    Task<string?> Correlate(AlarmSignal alarm);

    Task<ImmutableArray<string>> OpenIncidents();

    /// <summary>
    /// Takes an incident opened without an alarm (from a call) among the district's open incidents, so that the
    /// alarms of the same emergency (the detectors that then see the leak, the camera that sees the intruder) join it
    /// instead of opening another.
    /// </summary>
    Task Adopt(OpenIncident incident);

    /// <summary>
    /// Forwards the district's weather, gas and warning-device changes to an incident's hazard response while it
    /// watches (a zone may reach devices of districts other than its incident's).
    /// </summary>
    Task WatchHazard(string incidentId, bool watch);

    /// <summary>
    /// Shelves an alarm linked to an incident of this district (the incident checks the role and records it): until the
    /// time it gives, the alarm's triggers are counted but open no incident. An incident's end reaches the correlator
    /// on the district's incident-event stream.
    /// </summary>
    Task<IncidentDetail> ShelveAlarm(string incidentId, IncidentAction action, Actor actor);

    /// <summary>The district's alarm load over the last ten minutes.</summary>
    Task<AlarmRate> GetAlarmRate();
}

/// <summary>Incident summaries of one month, for listing and filtering.</summary>
public interface IIncidentIndexGrain : IGrainWithStringKey
{
    Task Upsert(IncidentSummary summary);

    Task<ImmutableArray<IncidentSummary>> Query(IncidentQuery query);
}

public enum IncidentRuleKind
{
    /// <summary>The role may not do this (403).</summary>
    Forbidden,

    /// <summary>The lifecycle does not allow it now (409).</summary>
    IllegalTransition,

    /// <summary>The request itself is wrong (400).</summary>
    Invalid,

    NotFound,
}

[GenerateSerializer, Alias("citycontrol.incident-rule-exception.v1")]
public sealed class IncidentRuleException : Exception
{
    public IncidentRuleException()
    {
    }

    public IncidentRuleException(string message)
        : base(message)
    {
    }

    public IncidentRuleException(IncidentRuleKind kind, string message)
        : base(message)
    {
        Kind = kind;
    }

    public IncidentRuleException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    [Id(0)]
    public IncidentRuleKind Kind { get; init; }
}

public static class IncidentGrains
{
    /// <summary>The timeline action that records a CAP message issued or received.</summary>
    public const string CapMessageAction = "CAP message";

    /// <summary>Timeline actions of the incident's video grants (given, not given, ended).</summary>
    public const string VideoAccessGranted = "video access granted";
    public const string VideoAccessNotGranted = "video access not granted";
    public const string VideoAccessEnded = "video access ended";

    /// <summary>
    /// Timeline entries that record the platform's own bookkeeping (CAP messages, video grants): they change nothing
    /// the public is told, so they make no new CAP message.
    /// </summary>
    public static bool IsBookkeeping(string action) =>
        action is CapMessageAction or VideoAccessGranted or VideoAccessNotGranted or VideoAccessEnded;

    /// <summary>Index grains per month: a city's incident changes spread over them, so no one grain carries them all.</summary>
    public const int IndexPartitions = 8;

    /// <summary>The index grain of an incident: the month it opened in and a partition by its id.</summary>
    public static string IndexKey(DateTimeOffset openedAt, string incidentId) =>
        $"{Month(openedAt)}/{Devices.PartitionHash.Fnv1a(incidentId) % IndexPartitions}";

    /// <summary>Every index grain of the month (and the month's single index of earlier versions).</summary>
    public static IEnumerable<string> IndexKeysOf(DateTimeOffset month) =>
        [Month(month), .. Enumerable.Range(0, IndexPartitions).Select(p => $"{Month(month)}/{p}")];

    /// <summary>The incidents of the given months that match, from every index partition, the newest summary of each.</summary>
    public static async Task<List<IncidentSummary>> QueryIncidents(this IGrainFactory factory, IEnumerable<DateTimeOffset> months, IncidentQuery query)
    {
        var found = await Task.WhenAll(months.SelectMany(IndexKeysOf).Distinct(StringComparer.Ordinal)
            .Select(key => factory.GetGrain<IIncidentIndexGrain>(key).Query(query)));
        return [.. found.SelectMany(x => x)
            .GroupBy(i => i.Id, StringComparer.Ordinal)
            .Select(g => g.MaxBy(i => i.UpdatedAt)!)];
    }

    private static string Month(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
}
