using System.Collections.Immutable;
using CityControl.Devices;

namespace CityControl.Incidents;

public enum UnitStatus
{
    Available,
    Dispatched,
    EnRoute,
    OnScene,
    OutOfService,
}

/// <summary>A response unit (a fire engine, a hazmat team, a patrol car): its call sign, agency, station, status and incident.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.response-unit.v1")]
public sealed record class ResponseUnit(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] Agency Agency,
    [property: Id(3)] GeoPoint Station,
    [property: Id(4)] UnitStatus Status,
    [property: Id(5)] string? IncidentId,
    [property: Id(6)] DateTimeOffset UpdatedAt,
    [property: Id(7)] string UpdatedBy);

/// <summary>An available unit and how far its station is from a place, in metres.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.unit-distance.v1")]
public sealed record class UnitDistance(
    [property: Id(0)] ResponseUnit Unit,
    [property: Id(1)] double Meters);

/// <summary>An agency's units (keyed by the agency's name in lower case): what a dispatcher chooses from.</summary>
public interface IUnitRosterGrain : IGrainWithStringKey
{
    /// <summary>Adds or renames/moves a unit (admins); throws <see cref="IncidentRuleException"/> (Invalid) naming the field.</summary>
    Task<ResponseUnit> Define(string id, string name, GeoPoint station, string by);

    /// <summary>Sets a unit's status (and the incident it serves); NotFound for an unknown unit.</summary>
    Task<ResponseUnit> SetStatus(string id, UnitStatus status, string? incidentId, string by);

    /// <summary>
    /// Follows an incident's lifecycle for a unit named in it, if the roster has it (one-way, from the incident):
    /// dispatched, en route, on scene; available again when the incident it serves is resolved or ended.
    /// </summary>
    [Orleans.Concurrency.OneWay]
    Task Track(string unit, UnitStatus status, string incidentId, string by);

    Task<ImmutableArray<ResponseUnit>> List();

    /// <summary>The available units nearest a place, nearest first, with their distance.</summary>
    Task<ImmutableArray<UnitDistance>> NearestAvailable(GeoPoint at, int count);
}

public static class UnitRosters
{
    public static string KeyOf(Agency agency) => agency.ToString().ToLowerInvariant();
}
