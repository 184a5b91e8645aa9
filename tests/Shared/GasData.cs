using System.Globalization;
using CityControl.Testing;

namespace CityControl.Tests.Infrastructure;

/// <summary>The real gas series in ../shared/data/gas.</summary>
public static class GasData
{
    /// <summary>UCI Air Quality: hourly CO (mg/m3, reference analyser) from a road-level station in an Italian city; -200 is missing.</summary>
    public static IReadOnlyList<(DateTimeOffset At, double? Co)> HourlyCo() =>
        File.ReadLines(RepoPaths.Data("gas", "AirQualityUCI.csv")).Skip(1)
            .Select(line => line.Split(','))
            .Where(f => f.Length > 2 && f[0].Length > 0)
            .Select(f =>
            {
                var at = DateTime.ParseExact($"{f[0]} {f[1]}", "d/M/yyyy H:mm:ss", CultureInfo.InvariantCulture);
                var co = double.Parse(f[2], CultureInfo.InvariantCulture);
                return (new DateTimeOffset(at, TimeSpan.Zero), co == -200 ? (double?)null : co);
            })
            .ToList();

    /// <summary>The longest run of consecutive hours without a missing CO value.</summary>
    public static IReadOnlyList<(DateTimeOffset At, double Co)> LongestCompleteCoStretch()
    {
        var all = HourlyCo();
        var best = new List<(DateTimeOffset, double)>();
        var current = new List<(DateTimeOffset, double)>();
        foreach (var (at, co) in all)
        {
            if (co is { } v && (current.Count == 0 || at - current[^1].Item1 == TimeSpan.FromHours(1)))
            {
                current.Add((at, v));
            }
            else
            {
                current = co is { } w ? [(at, w)] : [];
            }

            if (current.Count > best.Count)
            {
                best = [.. current];
            }
        }

        return best;
    }

    /// <summary>MQ metal-oxide array: raw ADC counts, 1,600 rows per class (NoGas, Perfume, Smoke, Mixture).</summary>
    public static IReadOnlyList<(int Mq2, string Gas)> MetalOxideArray() =>
        File.ReadLines(RepoPaths.Data("gas", "Gas_Sensors_Measurements.csv")).Skip(1)
            .Select(line => line.Split(','))
            .Select(f => (int.Parse(f[1], CultureInfo.InvariantCulture), f[8]))
            .ToList();
}
