using System.Collections.Frozen;
using CityControl.Devices;

namespace CityControl.Rules.Devices;

/// <summary>Properties of gases found in industrial complexes, for converting between concentration units.</summary>
/// <param name="LowerExplosiveLimitPercentVolume">The LEL in % by volume, or null for gases that do not burn.</param>
/// <param name="MolarMass">g/mol, for mg/m3 at 25 °C and 1 atm.</param>
public sealed record GasProperties(string Formula, string Name, double? LowerExplosiveLimitPercentVolume, double MolarMass);

public static class GasCatalog
{
    /// <summary>Molar volume of an ideal gas at 25 °C and 1 atm, the basis of occupational exposure limits.</summary>
    private const double MolarVolumeLitres = 24.45;

    private static readonly FrozenDictionary<string, GasProperties> Gases = new GasProperties[]
    {
        new("CH4", "methane", 5.0, 16.04),
        new("H2", "hydrogen", 4.0, 2.016),
        new("C3H8", "propane", 2.1, 44.10),
        new("C4H10", "butane", 1.8, 58.12),
        new("C2H4", "ethylene", 2.7, 28.05),
        new("C6H6", "benzene", 1.2, 78.11),
        new("CO", "carbon monoxide", 12.5, 28.01),
        new("H2S", "hydrogen sulfide", 4.0, 34.08),
        new("NH3", "ammonia", 15.0, 17.03),
        new("Cl2", "chlorine", null, 70.90),
        new("HCl", "hydrogen chloride", null, 36.46),
        new("HF", "hydrogen fluoride", null, 20.01),
        new("NO2", "nitrogen dioxide", null, 46.01),
        new("SO2", "sulfur dioxide", null, 64.07),
        new("O3", "ozone", null, 48.00),
        new("CO2", "carbon dioxide", null, 44.01),
    }.ToFrozenDictionary(g => g.Formula, StringComparer.OrdinalIgnoreCase);

    public static IReadOnlyCollection<GasProperties> All => Gases.Values;

    public static GasProperties? Find(string formula) => Gases.GetValueOrDefault(formula);

    /// <summary>Converts a concentration between ppm, ppb, %vol, mg/m3 and %LEL; null when the gas lacks the property needed.</summary>
    public static double? Convert(double value, string fromUnit, string toUnit, string gas)
    {
        if (string.Equals(fromUnit, toUnit, StringComparison.Ordinal))
        {
            return value;
        }

        var properties = Find(gas);
        var ppm = ToPpm(value, fromUnit, properties);
        return ppm is null ? null : FromPpm(ppm.Value, toUnit, properties);
    }

    private static double? ToPpm(double value, string unit, GasProperties? gas) => unit switch
    {
        "ppm" => value,
        "ppb" => value / 1000,
        "%vol" => value * 10_000,
        "mg/m3" when gas is not null => value * MolarVolumeLitres / gas.MolarMass,
        "%LEL" when gas?.LowerExplosiveLimitPercentVolume is { } lel => value / 100 * lel * 10_000,
        _ => null,
    };

    private static double? FromPpm(double ppm, string unit, GasProperties? gas) => unit switch
    {
        "ppm" => ppm,
        "ppb" => ppm * 1000,
        "%vol" => ppm / 10_000,
        "mg/m3" when gas is not null => ppm * gas.MolarMass / MolarVolumeLitres,
        "%LEL" when gas?.LowerExplosiveLimitPercentVolume is { } lel => ppm / 10_000 / lel * 100,
        _ => null,
    };
}
