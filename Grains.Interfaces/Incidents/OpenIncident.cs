using CityControl.Devices;

namespace CityControl.Incidents;

/// <summary>An open incident as the correlator remembers it.</summary>
[GenerateSerializer, Alias("citycontrol.open-incident.v1")]
public sealed record class OpenIncident(
    [property: Id(0)] string Id,
    [property: Id(1)] IncidentType Type,
    [property: Id(2)] string Zone,
    [property: Id(3)] GeoPoint Location,
    [property: Id(4)] DateTimeOffset LastAlarmAt);
