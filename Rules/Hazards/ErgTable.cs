using System.Collections.Frozen;
using CityControl.Incidents;

namespace CityControl.Rules.Hazards;

/// <summary>One row of the Emergency Response Guidebook's Table 1 (Initial Isolation and Protective Action Distances).</summary>
/// <param name="Gas">The gas catalogue's formula the detectors report (<see cref="Devices.GasCatalog"/>).</param>
/// <param name="UnNumber">The UN/ID number the table lists the material under.</param>
/// <param name="Guide">The orange-bordered guide the material refers to.</param>
/// <param name="CheckedAgainst">The public copy this row was compared with, or null when it was not compared with one.</param>
public sealed record ErgEntry(
    string Gas,
    int UnNumber,
    string Name,
    int Guide,
    ErgDistances Small,
    ErgDistances Large,
    string? CheckedAgainst);

/// <summary>One spill size's distances: isolation in all directions, then protection downwind by day and by night.</summary>
public sealed record ErgDistances(double IsolationMeters, double ProtectDayMeters, double ProtectNightMeters)
{
    public double ProtectMeters(bool daytime) => daytime ? ProtectDayMeters : ProtectNightMeters;
}

/// <summary>
/// The ERG 2008 Table 1 rows of the toxic-by-inhalation gases the gas catalogue knows. The 2008 edition is used
/// because its Table 1 gives large-spill distances for every one of them (from the 2016 edition on, large spills of
/// ammonia, chlorine, hydrogen chloride and sulphur dioxide refer to Table 3, which needs the container and the wind
/// speed). Every distance is the table's, in metres; the protective-action distance is the downwind length and width
/// of the protective-action square.
/// </summary>
public static class ErgTable
{
    public const string Edition = "ERG 2008, Table 1 (Initial Isolation and Protective Action Distances)";

    private static readonly FrozenDictionary<string, ErgEntry> Rows = new ErgEntry[]
    {
        new("NH3", 1005, "Ammonia, anhydrous", 125,
            new(30, 100, 200), new(150, 800, 2000), null),
        new("Cl2", 1017, "Chlorine", 124,
            new(60, 400, 1600), new(600, 3500, 8000), "chemtrack.org ERG 2008 (Thai edition), UN1017"),
        new("HCl", 1050, "Hydrogen chloride, anhydrous", 125,
            new(30, 100, 300), new(185, 1600, 4300), null),
        new("H2S", 1053, "Hydrogen sulfide", 117,
            new(30, 100, 400), new(215, 1400, 4300), null),
        new("SO2", 1079, "Sulfur dioxide", 125,
            new(100, 700, 2200), new(1000, 6100, 11000), null),
    }.ToFrozenDictionary(r => r.Gas, StringComparer.OrdinalIgnoreCase);

    public static IReadOnlyCollection<ErgEntry> All => Rows.Values;

    /// <summary>The row of the gas a detector reports, or null when the table lists no such gas (it is not toxic by inhalation).</summary>
    public static ErgEntry? Find(string gas) => Rows.GetValueOrDefault(gas);

    /// <summary>The isolation radius and the protective-action distance, in metres, for the case.</summary>
    public static (double IsolationMeters, double ProtectMeters) Distances(ErgEntry entry, SpillSize spill, bool daytime)
    {
        var d = spill == SpillSize.Large ? entry.Large : entry.Small;
        return (d.IsolationMeters, d.ProtectMeters(daytime));
    }
}
