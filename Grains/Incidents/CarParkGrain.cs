using System.Text.RegularExpressions;
using CityControl.Incidents;
using CityControl.Rules;
using CityControl.Rules.Incidents;
using CityControl.Video;

namespace CityControl.Grains.Incidents;

[GenerateSerializer, Alias("citycontrol.car-park-state.v1")]
public sealed class CarParkState
{
    [Id(0)] public CarPark? CarPark { get; set; }

    /// <summary>Vehicles inside by the entrance counts; null until a count or a setting.</summary>
    [Id(1)] public CarParkOccupancy? Occupancy { get; set; }

    /// <summary>Flood incidents that closed the car park and hear of each count.</summary>
    [Id(2)] public List<string> Watchers { get; set; } = [];
}

/// <summary>
/// A riverside car park (keyed "district/zone"): its registration (outline, lead time, subscribers) and how many
/// vehicles are inside by its entrance cameras' counts, which a flood incident that closed it hears of one by one.
/// </summary>
public sealed partial class CarParkGrain(
    [PersistentState("car-park", StorageNames.GrainState)] IPersistentState<CarParkState> state,
    CityClock clock) : Grain, ICarParkGrain
{
    public const int MaxSubscribers = 5_000;

    public async Task<CarPark> Define(CarPark carPark)
    {
        if (Validate(carPark) is { } error)
        {
            throw new IncidentRuleException(IncidentRuleKind.Invalid, error);
        }

        state.State.CarPark = carPark;
        await state.WriteStateAsync();
        return carPark;
    }

    public Task<CarPark?> Get() => Task.FromResult(state.State.CarPark);

    public async Task Counted(string cameraId, CountDirection direction, DateTimeOffset at)
    {
        if (state.State.CarPark is null)
        {
            return;
        }

        var occupancy = state.State.Occupancy = CarParkCounting.Count(state.State.Occupancy, direction, cameraId, at);
        await state.WriteStateAsync();
        foreach (var incident in state.State.Watchers)
        {
            await GrainFactory.GetGrain<IFloodResponseGrain>(incident).OccupancyChanged(occupancy, direction, cameraId);
        }
    }

    public Task<CarParkOccupancy?> GetOccupancy() =>
        state.State.CarPark is null
            ? throw new IncidentRuleException(IncidentRuleKind.NotFound, "no car park is registered for this zone")
            : Task.FromResult(state.State.Occupancy);

    public async Task<CarParkOccupancy> SetOccupancy(int parked, string setBy)
    {
        if (state.State.CarPark is null)
        {
            throw new IncidentRuleException(IncidentRuleKind.NotFound, "no car park is registered for this zone");
        }

        if (CarParkCounting.CheckSet(parked) is { } error)
        {
            throw new IncidentRuleException(IncidentRuleKind.Invalid, error);
        }

        var occupancy = state.State.Occupancy = CarParkCounting.Set(parked, setBy, clock.UtcNow);
        await state.WriteStateAsync();
        foreach (var incident in state.State.Watchers)
        {
            await GrainFactory.GetGrain<IFloodResponseGrain>(incident).OccupancyChanged(occupancy, null, setBy);
        }

        return occupancy;
    }

    public async Task Watch(string incidentId)
    {
        if (!state.State.Watchers.Contains(incidentId))
        {
            state.State.Watchers.Add(incidentId);
            await state.WriteStateAsync();
        }
    }

    public async Task StopWatching(string incidentId)
    {
        if (state.State.Watchers.Remove(incidentId))
        {
            await state.WriteStateAsync();
        }
    }

    private static string? Validate(CarPark c)
    {
        if (string.IsNullOrWhiteSpace(c.Name) || c.Name.Length > 200)
        {
            return "name: is required, at most 200 characters";
        }

        if (!double.IsFinite(c.CloseWithinMinutes) || c.CloseWithinMinutes is < 1 or > Rules.Devices.FloodPrediction.WatchedMinutes)
        {
            return $"closeWithinMinutes: must be between 1 and {Rules.Devices.FloodPrediction.WatchedMinutes}";
        }

        if (!c.Outline.IsDefaultOrEmpty && (c.Outline.Length < 4 || c.Outline[0] != c.Outline[^1]
            || c.Outline.Any(p => p.Latitude is < -90 or > 90 || p.Longitude is < -180 or > 180 || !double.IsFinite(p.Latitude) || !double.IsFinite(p.Longitude))))
        {
            return "outline: must be a closed ring (first point repeated last) of at least 4 WGS84 points";
        }

        if (c.Subscribers.Length > MaxSubscribers)
        {
            return $"subscribers: at most {MaxSubscribers}";
        }

        for (var i = 0; i < c.Subscribers.Length; i++)
        {
            if (!Phone().IsMatch(c.Subscribers[i].Phone ?? ""))
            {
                return $"subscribers[{i}].phone: must be a phone number in international form (+821012345678)";
            }
        }

        return null;
    }

    [GeneratedRegex(@"^\+[1-9][0-9]{7,14}$")]
    private static partial Regex Phone();
}
