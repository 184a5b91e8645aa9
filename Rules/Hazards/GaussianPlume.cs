namespace CityControl.Rules.Hazards;

/// <summary>Pasquill-Gifford stability classes, A (very unstable) to F (stable).</summary>
public enum StabilityClass
{
    A,
    B,
    C,
    D,
    E,
    F,
}

/// <summary>Land use around the release, which picks Briggs' open-country or city coefficients.</summary>
public enum Terrain
{
    Rural,
    Urban,
}

/// <summary>
/// Pasquill's stability class from the surface wind speed and, by day, the incoming solar radiation or, by night, the
/// cloud cover (Turner's 1964 table). Where the table gives two classes (A-B, B-C, C-D) the more stable one is taken:
/// it disperses less and so reaches farther, the side to err on for public safety. Full overcast is neutral (D) by day
/// and night.
/// </summary>
public static class Stability
{
    public enum Insolation
    {
        Slight,
        Moderate,
        Strong,
    }

    /// <summary>
    /// Turner's insolation classes by the sun's elevation (strong above 60°, moderate 35° to 60°, slight below), lowered
    /// one class by broken cloud (5 to 7 oktas) as Turner's method does.
    /// </summary>
    public static Insolation FromSun(double solarElevationDegrees, double? cloudOktas)
    {
        var insolation = solarElevationDegrees switch
        {
            > 60 => Insolation.Strong,
            > 35 => Insolation.Moderate,
            _ => Insolation.Slight,
        };
        return cloudOktas is >= 5 && insolation > Insolation.Slight ? insolation - 1 : insolation;
    }

    /// <summary>
    /// Insolation from a pyranometer's global radiation: the radiation a clear sky gives at Turner's elevation bounds
    /// (about 1,000 W/m² times the sine of 60° and of 35°), so a station that measures it needs no cloud report.
    /// </summary>
    public static Insolation FromRadiation(double wattsPerSquareMetre) => wattsPerSquareMetre switch
    {
        >= 860 => Insolation.Strong,
        >= 570 => Insolation.Moderate,
        _ => Insolation.Slight,
    };

    public static StabilityClass ByDay(double windMetersPerSecond, Insolation insolation) => (windMetersPerSecond, insolation) switch
    {
        ( < 2, Insolation.Strong) => StabilityClass.A,
        ( < 2, Insolation.Moderate) => StabilityClass.B,
        ( < 2, _) => StabilityClass.B,
        ( < 3, Insolation.Strong) => StabilityClass.B,
        ( < 3, Insolation.Moderate) => StabilityClass.B,
        ( < 3, _) => StabilityClass.C,
        ( < 5, Insolation.Strong) => StabilityClass.B,
        ( < 5, Insolation.Moderate) => StabilityClass.C,
        ( < 5, _) => StabilityClass.C,
        ( < 6, Insolation.Strong) => StabilityClass.C,
        ( < 6, _) => StabilityClass.D,
        (_, Insolation.Strong) => StabilityClass.C,
        _ => StabilityClass.D,
    };

    /// <summary>Night: thinly overcast or at least 4/8 low cloud is E at 2 to 3 m/s, clearer skies F; calm nights are F.</summary>
    public static StabilityClass ByNight(double windMetersPerSecond, double? cloudOktas)
    {
        var cloudy = cloudOktas is >= 4;
        return windMetersPerSecond switch
        {
            < 2 => StabilityClass.F,
            < 3 => cloudy ? StabilityClass.E : StabilityClass.F,
            < 5 => cloudy ? StabilityClass.D : StabilityClass.E,
            _ => StabilityClass.D,
        };
    }

    /// <summary>The class for a wind and sky at a place and time: overcast is D; otherwise by day or night as above.</summary>
    public static StabilityClass Of(double windMetersPerSecond, double solarElevationDegrees, double? cloudOktas, double? radiation)
    {
        if (cloudOktas is >= 8)
        {
            return StabilityClass.D;
        }

        if (solarElevationDegrees <= SolarPosition.SunriseElevationDegrees)
        {
            return ByNight(windMetersPerSecond, cloudOktas);
        }

        var insolation = radiation is { } r ? FromRadiation(r) : FromSun(solarElevationDegrees, cloudOktas);
        return ByDay(windMetersPerSecond, insolation);
    }
}

/// <summary>
/// The Gaussian plume of a continuous release at ground level, seen at ground level, with total reflection at the
/// ground: C(x, y) = Q / (π u σy σz) · exp(−y² / 2σy²), x downwind and y crosswind in metres, Q in g/s, u in m/s, C in
/// g/m³. σy and σz are Briggs' (1973) fits to the Pasquill-Gifford curves, valid from about 100 m to 10 km downwind.
/// </summary>
public static class GaussianPlume
{
    /// <summary>Below this wind the plume model does not hold (the release pools and spreads every way).</summary>
    public const double MinimumWindMetersPerSecond = 1;

    public static (double SigmaY, double SigmaZ) Sigmas(double x, StabilityClass stability, Terrain terrain)
    {
        if (terrain == Terrain.Urban)
        {
            return stability switch
            {
                StabilityClass.A or StabilityClass.B => (0.32 * x / Math.Sqrt(1 + 0.0004 * x), 0.24 * x * Math.Sqrt(1 + 0.001 * x)),
                StabilityClass.C => (0.22 * x / Math.Sqrt(1 + 0.0004 * x), 0.20 * x),
                StabilityClass.D => (0.16 * x / Math.Sqrt(1 + 0.0004 * x), 0.14 * x / Math.Sqrt(1 + 0.0003 * x)),
                _ => (0.11 * x / Math.Sqrt(1 + 0.0004 * x), 0.08 * x / Math.Sqrt(1 + 0.0015 * x)),
            };
        }

        var y = 1 / Math.Sqrt(1 + 0.0001 * x);
        return stability switch
        {
            StabilityClass.A => (0.22 * x * y, 0.20 * x),
            StabilityClass.B => (0.16 * x * y, 0.12 * x),
            StabilityClass.C => (0.11 * x * y, 0.08 * x / Math.Sqrt(1 + 0.0002 * x)),
            StabilityClass.D => (0.08 * x * y, 0.06 * x / Math.Sqrt(1 + 0.0015 * x)),
            StabilityClass.E => (0.06 * x * y, 0.03 * x / (1 + 0.0003 * x)),
            _ => (0.04 * x * y, 0.016 * x / (1 + 0.0003 * x)),
        };
    }

    /// <summary>The ground-level concentration (g/m³) at <paramref name="x"/> m downwind and <paramref name="y"/> m crosswind; 0 upwind.</summary>
    public static double Concentration(double releaseGramsPerSecond, double windMetersPerSecond, double x, double y, StabilityClass stability, Terrain terrain)
    {
        if (x <= 0)
        {
            return 0;
        }

        var (sy, sz) = Sigmas(x, stability, terrain);
        return releaseGramsPerSecond / (Math.PI * Math.Max(windMetersPerSecond, MinimumWindMetersPerSecond) * sy * sz) * Math.Exp(-(y * y) / (2 * sy * sy));
    }

    /// <summary>
    /// The release rate (g/s) that explains a concentration measured at a point downwind: the plume equation solved for
    /// Q. Null where the point is too near (under 20 m), upwind, or so far off the axis (beyond 3 σy) that the estimate
    /// would rest on the plume's thin edge.
    /// </summary>
    public static double? ReleaseRate(double measuredGramsPerCubicMetre, double windMetersPerSecond, double x, double y, StabilityClass stability, Terrain terrain)
    {
        if (x < 20 || measuredGramsPerCubicMetre <= 0)
        {
            return null;
        }

        var (sy, sz) = Sigmas(x, stability, terrain);
        if (Math.Abs(y) > 3 * sy)
        {
            return null;
        }

        return measuredGramsPerCubicMetre * Math.PI * Math.Max(windMetersPerSecond, MinimumWindMetersPerSecond) * sy * sz * Math.Exp(y * y / (2 * sy * sy));
    }

    /// <summary>
    /// The ground outline where the concentration is at least <paramref name="threshold"/> (g/m³), in the plume's own
    /// frame (x downwind, y crosswind, metres): the source, then one side out to the tip and back along the other.
    /// Empty when even the nearest point modelled (10 m) stays below the threshold.
    /// </summary>
    public static IReadOnlyList<(double X, double Y)> Contour(double releaseGramsPerSecond, double windMetersPerSecond, double threshold, StabilityClass stability, Terrain terrain, int steps = 40)
    {
        const double near = 10;
        var length = ReachMeters(releaseGramsPerSecond, windMetersPerSecond, threshold, stability, terrain);
        if (length <= near)
        {
            return [];
        }

        var side = new List<(double X, double Y)>();
        for (var i = 0; i <= steps; i++)
        {
            // Denser near the source, where the outline widens fastest.
            var x = near + (length - near) * Math.Pow((double)i / steps, 2);
            var (sy, _) = Sigmas(x, stability, terrain);
            var axis = Concentration(releaseGramsPerSecond, windMetersPerSecond, x, 0, stability, terrain);
            var halfWidth = axis > threshold ? sy * Math.Sqrt(2 * Math.Log(axis / threshold)) : 0;
            side.Add((x, halfWidth));
        }

        return [(0, 0), .. side, .. side.AsEnumerable().Reverse().Select(p => (p.X, -p.Y)), (0, 0)];
    }

    /// <summary>How far downwind the axis concentration stays at or above the threshold (metres, at most 50 km).</summary>
    public static double ReachMeters(double releaseGramsPerSecond, double windMetersPerSecond, double threshold, StabilityClass stability, Terrain terrain)
    {
        double At(double x) => Concentration(releaseGramsPerSecond, windMetersPerSecond, x, 0, stability, terrain);
        double low = 10, high = 50_000;
        if (At(low) < threshold)
        {
            return 0;
        }

        if (At(high) >= threshold)
        {
            return high;
        }

        // The axis concentration falls with distance: bisect to a metre.
        while (high - low > 1)
        {
            var mid = (low + high) / 2;
            (low, high) = At(mid) >= threshold ? (mid, high) : (low, mid);
        }

        return low;
    }
}
