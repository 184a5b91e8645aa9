using System.Globalization;
using CityControl.Incidents;
using CityControl.Video;

namespace CityControl.Rules.Incidents;

/// <summary>A car park's vehicles by its entrance counts: in adds one, out takes one, never below zero.</summary>
public static class CarParkCounting
{
    public const int MaxParked = 100_000;

    /// <summary>The occupancy after one vehicle counted through the entrance (counting starts at zero at the first count when nobody set it).</summary>
    public static CarParkOccupancy Count(CarParkOccupancy? current, CountDirection direction, string cameraId, DateTimeOffset at)
    {
        var o = current ?? new CarParkOccupancy(0, 0, 0, at, $"the first count, by {cameraId}", at);
        o = o with { UpdatedAt = at, LastCamera = cameraId };
        return direction switch
        {
            CountDirection.In => o with { Parked = Math.Min(MaxParked, o.Parked + 1), In = o.In + 1 },
            _ when o.Parked > 0 => o with { Parked = o.Parked - 1, Out = o.Out + 1 },
            _ => o with { Out = o.Out + 1, Corrections = o.Corrections + 1 },
        };
    }

    /// <summary>Someone looked and says how many vehicles are inside; counting goes on from there.</summary>
    public static CarParkOccupancy Set(int parked, string setBy, DateTimeOffset at) => new(parked, 0, 0, at, setBy, at);

    /// <summary>Why not: null when the number can be set.</summary>
    public static string? CheckSet(int parked) =>
        parked is < 0 or > MaxParked ? $"parked: must be from 0 to {MaxParked}" : null;

    /// <summary>"3 vehicles inside by the entrance count (5 in, 2 out since 2026-07-15 09:10 UTC, from operator)".</summary>
    public static Phrase Describe(CarParkOccupancy o) => Phrases.Say(
        o.Parked == 1 ? "carPark.countOne" : "carPark.count",
        o.Corrections > 0 ? Phrases.Say("carPark.corrections", Number(o.Corrections)) : null,
        Number(o.Parked), Number(o.In), Number(o.Out), Phrases.Time(o.Since, "yyyy-MM-dd HH:mm 'UTC'"), o.SetBy);

    private static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);
}
