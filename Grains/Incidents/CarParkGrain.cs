using System.Text.RegularExpressions;
using CityControl.Incidents;

namespace CityControl.Grains.Incidents;

[GenerateSerializer, Alias("citycontrol.car-park-state.v1")]
public sealed class CarParkState
{
    [Id(0)] public CarPark? CarPark { get; set; }
}

/// <summary>A riverside car park's registration (keyed "district/zone"): its outline, lead time and subscribers.</summary>
public sealed partial class CarParkGrain([PersistentState("car-park", StorageNames.GrainState)] IPersistentState<CarParkState> state) : Grain, ICarParkGrain
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
