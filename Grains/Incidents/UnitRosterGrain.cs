using System.Collections.Immutable;
using System.Text.RegularExpressions;
using CityControl.Devices;
using CityControl.Incidents;
using CityControl.Rules;
using CityControl.Rules.Geo;

namespace CityControl.Grains.Incidents;

[GenerateSerializer, Alias("citycontrol.unit-roster-state.v1")]
public sealed class UnitRosterState
{
    [Id(0)] public Dictionary<string, ResponseUnit> Units { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One agency's response units and their status; each change is written before it returns.</summary>
public sealed partial class UnitRosterGrain(
    [PersistentState("units", StorageNames.GrainState)] IPersistentState<UnitRosterState> state,
    CityClock clock) : Grain, IUnitRosterGrain
{
    public const int MaxUnits = 2_000;

    private Agency Agency => Enum.Parse<Agency>(this.GetPrimaryKeyString(), ignoreCase: true);

    public async Task<ResponseUnit> Define(string id, string name, GeoPoint station, string by)
    {
        if (!IdPattern().IsMatch(id ?? ""))
        {
            throw new IncidentRuleException(IncidentRuleKind.Invalid, "id: must be 1-64 letters, digits, '-' or '_'");
        }

        if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
        {
            throw new IncidentRuleException(IncidentRuleKind.Invalid, "name: is required, at most 100 characters");
        }

        if (station is null || station.Latitude is < -90 or > 90 || station.Longitude is < -180 or > 180 || !double.IsFinite(station.Latitude) || !double.IsFinite(station.Longitude))
        {
            throw new IncidentRuleException(IncidentRuleKind.Invalid, "station: must be a WGS84 latitude and longitude");
        }

        if (!state.State.Units.ContainsKey(id!) && state.State.Units.Count >= MaxUnits)
        {
            throw new IncidentRuleException(IncidentRuleKind.Invalid, $"id: an agency has at most {MaxUnits} units");
        }

        var unit = state.State.Units.TryGetValue(id!, out var known)
            ? known with { Name = name, Station = station, UpdatedAt = clock.UtcNow, UpdatedBy = by }
            : new ResponseUnit(id!, name, Agency, station, UnitStatus.Available, null, clock.UtcNow, by);
        state.State.Units[id!] = unit;
        await state.WriteStateAsync();
        return unit;
    }

    public async Task<ResponseUnit> SetStatus(string id, UnitStatus status, string? incidentId, string by)
    {
        if (!state.State.Units.TryGetValue(id, out var unit))
        {
            throw new IncidentRuleException(IncidentRuleKind.NotFound, $"no {Agency} unit '{id}'");
        }

        unit = unit with { Status = status, IncidentId = status is UnitStatus.Available or UnitStatus.OutOfService ? null : incidentId ?? unit.IncidentId, UpdatedAt = clock.UtcNow, UpdatedBy = by };
        state.State.Units[id] = unit;
        await state.WriteStateAsync();
        return unit;
    }

    public async Task Track(string unit, UnitStatus status, string incidentId, string by)
    {
        if (!state.State.Units.TryGetValue(unit, out var known))
        {
            return; // a unit the roster does not list (free text, another agency's)
        }

        // Freed only by the incident it serves: a resolved incident does not free a unit already sent elsewhere.
        if (status == UnitStatus.Available && known.IncidentId != incidentId)
        {
            return;
        }

        await SetStatus(unit, status, incidentId, by);
    }

    public Task<ImmutableArray<ResponseUnit>> List() =>
        Task.FromResult(state.State.Units.Values.OrderBy(u => u.Id, StringComparer.Ordinal).ToImmutableArray());

    public Task<ImmutableArray<UnitDistance>> NearestAvailable(GeoPoint at, int count) =>
        Task.FromResult(state.State.Units.Values
            .Where(u => u.Status == UnitStatus.Available)
            .Select(u => new UnitDistance(u, Math.Round(GeoDistance.Meters(at, u.Station))))
            .OrderBy(d => d.Meters).ThenBy(d => d.Unit.Id, StringComparer.Ordinal)
            .Take(Math.Clamp(count, 1, 20))
            .ToImmutableArray());

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex IdPattern();
}
