using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Incidents;
using CityControl.Rules.Devices;
using CityControl.Rules.Geo;
using NetTopologySuite.Geometries;
using NetTopologySuite.Utilities;
using ProjNet.CoordinateSystems.Transformations;

namespace CityControl.Rules.Hazards;

/// <summary>A gas detector's newest concentration, in ppm, where it stands.</summary>
public sealed record GasReadingAt(string DeviceId, GeoPoint Location, double Ppm, bool AtFullScale = false);

/// <summary>Everything a hazard zone is computed from.</summary>
/// <param name="LowPpm">The gas's low set-point (the detectors' first alarm), whose plume contour may widen the zone.</param>
/// <param name="HighPpm">The high set-point, drawn as a second contour.</param>
public sealed record HazardInputs(
    string Gas,
    SpillSize Spill,
    GeoPoint Source,
    DateTimeOffset At,
    WindObservation? Wind,
    IReadOnlyList<GasReadingAt> Readings,
    Terrain Terrain,
    double? LowPpm,
    double? HighPpm);

/// <summary>
/// A confirmed leak's hazard zone and what lies in it, in metres on a transverse Mercator centred on the source
/// (<see cref="GeoDistance.LocalProjection"/>), returned in WGS84.
/// </summary>
public static class HazardZoneRules
{
    /// <summary>How far outside the zone a signal still controls a way in: its closure plan stops traffic entering.</summary>
    public const double EntryRingMeters = 300;

    /// <summary>A wind turn or a distance change smaller than these is not a new zone (it would churn commands for nothing).</summary>
    public const double WindTurnDegrees = 10;

    public const double DistanceChangeFraction = 0.05;

    /// <summary>Detectors at or above their high set-point that make a spill large, when none is at full scale.</summary>
    public const int DetectorsHighForLargeSpill = 3;

    private static readonly GeometryFactory Geometry = new();

    /// <summary>ERG's spill size from what the detectors see: large when one reads at full scale or several are at the high set-point.</summary>
    public static SpillSize SpillOf(IReadOnlyList<GasReadingAt> readings, double? highPpm) =>
        readings.Any(r => r.AtFullScale) || (highPpm is { } high && readings.Count(r => r.Ppm >= high) >= DetectorsHighForLargeSpill)
            ? SpillSize.Large
            : SpillSize.Small;

    /// <summary>The zone for the inputs, or null when ERG's table does not list the gas (it is not toxic by inhalation).</summary>
    public static HazardZone? Compute(HazardInputs inputs, int version)
    {
        if (ErgTable.Find(inputs.Gas) is not { } erg)
        {
            return null;
        }

        var source = inputs.Source;
        var elevation = SolarPosition.ElevationDegrees(source.Latitude, source.Longitude, inputs.At);
        var daytime = elevation > SolarPosition.SunriseElevationDegrees;
        var (isolation, protect) = ErgTable.Distances(erg, inputs.Spill, daytime);
        var (toLocal, toWgs) = GeoDistance.LocalProjection(source);

        Geometry zone = Circle(isolation);
        string basis;
        PlumeEstimate? plume = null;
        if (inputs.Wind is { } wind)
        {
            var downwind = (wind.FromDegrees + 180) % 360;
            zone = zone.Union(ProtectiveSquare(protect, downwind));
            basis = $"{ErgTable.Edition}: UN{erg.UnNumber} {erg.Name}, {inputs.Spill.ToString().ToLowerInvariant()} spill, {(daytime ? "day" : "night")}: " +
                $"isolate {isolation:0} m all round, protect {protect / 1000:0.0#} km downwind (toward {downwind:0}°, wind {wind.SpeedMetersPerSecond:0.#} m/s from {wind.FromDegrees:0}°)";
            plume = Plume(inputs, erg, wind, elevation, toLocal, toWgs);
            if (plume?.Contours.FirstOrDefault(c => c.Level == "low") is { Outline.Length: >= 4 } low)
            {
                var lowLocal = Geometry.CreatePolygon([.. low.Outline.Select(p => Local(toLocal, p))]);
                if (lowLocal.IsValid && !zone.Covers(lowLocal))
                {
                    zone = zone.Union(lowLocal);
                    basis += $"; widened to the modelled plume's low set-point contour ({low.Ppm:0.##} ppm reaches {low.ReachMeters:0} m)";
                }
            }
        }
        else
        {
            // No wind to point the square: protect the full distance every way, as the guidebook's fallback when the wind is unknown.
            zone = Circle(protect);
            basis = $"{ErgTable.Edition}: UN{erg.UnNumber} {erg.Name}, {inputs.Spill.ToString().ToLowerInvariant()} spill, {(daytime ? "day" : "night")}: " +
                $"no wind reported, so the protective-action distance {protect / 1000:0.0#} km is drawn all round";
        }

        var outline = Outline(zone, toWgs);
        return new HazardZone(version, inputs.At, erg.Gas, erg.Name, erg.UnNumber, inputs.Spill, daytime, source, inputs.Wind,
            isolation, protect, outline, plume, basis);
    }

    /// <summary>Whether a new computation differs enough from the last to be a new version (and new commands).</summary>
    public static bool IsNewVersion(HazardZone? previous, HazardZone next)
    {
        if (previous is null)
        {
            return true;
        }

        if (previous.Spill != next.Spill || previous.Daytime != next.Daytime || (previous.Wind is null) != (next.Wind is null))
        {
            return true;
        }

        if (previous.Wind is { } a && next.Wind is { } b && AngleBetween(a.FromDegrees, b.FromDegrees) >= WindTurnDegrees)
        {
            return true;
        }

        var before = ReachOf(previous);
        var after = ReachOf(next);
        return Math.Abs(after - before) > DistanceChangeFraction * Math.Max(before, 1);
    }

    /// <summary>The smaller angle between two bearings, 0 to 180 degrees.</summary>
    public static double AngleBetween(double a, double b)
    {
        var d = Math.Abs(a - b) % 360;
        return d > 180 ? 360 - d : d;
    }

    /// <summary>Cameras whose field of view (or, without one, whose place) lies on the zone.</summary>
    public static ImmutableArray<string> CamerasViewing(HazardZone zone, IEnumerable<(string Id, GeoPoint Location, CameraSettings? Camera)> cameras)
    {
        var area = Wgs(zone.Outline);
        return [.. cameras
            .Where(c => c.Camera is { BearingDegrees: { } bearing, FieldOfViewDegrees: { } fov, RangeMeters: { } range }
                ? GeoDistance.ViewSector(c.Location, bearing, fov, range).Intersects(area)
                : area.Covers(Point(c.Location)))
            .Select(c => c.Id)
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Signals and the plan each is to run: inside the zone, evacuation (traffic out); within
    /// <see cref="EntryRingMeters"/> outside it, closure (the ways in). Others are not in the response.
    /// </summary>
    public static ImmutableArray<(string Id, SignalPlan Plan, double DistanceMeters)> SignalPlans(HazardZone zone, IEnumerable<(string Id, GeoPoint Location)> signals)
    {
        var result = ImmutableArray.CreateBuilder<(string, SignalPlan, double)>();
        foreach (var (id, distance) in MetresOutside(zone, signals).OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            if (distance == 0)
            {
                result.Add((id, SignalPlan.Evacuation, 0));
            }
            else if (distance <= EntryRingMeters)
            {
                result.Add((id, SignalPlan.Closure, Math.Round(distance)));
            }
        }

        return result.ToImmutable();
    }

    /// <summary>How far each place is outside the zone, in metres (0 inside), measured on the source's local projection.</summary>
    public static IReadOnlyDictionary<string, double> MetresOutside(HazardZone zone, IEnumerable<(string Id, GeoPoint Location)> places)
    {
        var (toLocal, _) = GeoDistance.LocalProjection(zone.Source);
        var area = Geometry.CreatePolygon([.. zone.Outline.Select(p => Local(toLocal, p))]);
        return places.ToDictionary(p => p.Id, p => area.Distance(Geometry.CreatePoint(Local(toLocal, p.Location))), StringComparer.Ordinal);
    }

    /// <summary>The zone's outline as a WGS84 polygon (x longitude, y latitude).</summary>
    public static Polygon Wgs(ImmutableArray<GeoPoint> outline) =>
        Geometry.CreatePolygon([.. outline.Select(p => new Coordinate(p.Longitude, p.Latitude))]);

    private static double ReachOf(HazardZone zone) =>
        Math.Max(zone.ProtectiveMeters, zone.Plume?.Contours.FirstOrDefault(c => c.Level == "low")?.ReachMeters ?? 0);

    /// <summary>
    /// The plume fitted to the detectors: the release rate is the largest that any detector downwind of the source
    /// implies (the conservative one), and its contours are drawn at the gas's set-points. Null when no detector stands
    /// where the model can be solved (downwind, 20 m or more from the source, within 3 σy of the axis).
    /// </summary>
    private static PlumeEstimate? Plume(HazardInputs inputs, ErgEntry erg, WindObservation wind, double elevation, MathTransform toLocal, MathTransform toWgs)
    {
        var stability = Stability.Of(wind.SpeedMetersPerSecond, elevation, wind.CloudOktas, wind.SolarRadiation);
        var downwind = Radians((wind.FromDegrees + 180) % 360);
        double? best = null;
        string? from = null;
        foreach (var reading in inputs.Readings)
        {
            var p = Local(toLocal, reading.Location);

            // Along the wind (x) and across it (y), the wind's bearing measured clockwise from north.
            var x = p.X * Math.Sin(downwind) + p.Y * Math.Cos(downwind);
            var y = p.X * Math.Cos(downwind) - p.Y * Math.Sin(downwind);
            var grams = GasCatalog.Convert(reading.Ppm, "ppm", "mg/m3", erg.Gas) / 1000;
            if (grams is { } g && GaussianPlume.ReleaseRate(g, wind.SpeedMetersPerSecond, x, y, stability, inputs.Terrain) is { } q && q > (best ?? 0))
            {
                (best, from) = (q, reading.DeviceId);
            }
        }

        if (best is not { } release)
        {
            return null;
        }

        var contours = ImmutableArray.CreateBuilder<PlumeContour>();
        foreach (var (level, ppm) in new[] { ("low", inputs.LowPpm), ("high", inputs.HighPpm) })
        {
            if (ppm is not { } threshold || GasCatalog.Convert(threshold, "ppm", "mg/m3", erg.Gas) is not { } mg)
            {
                continue;
            }

            var ring = GaussianPlume.Contour(release, wind.SpeedMetersPerSecond, mg / 1000, stability, inputs.Terrain);
            if (ring.Count < 4)
            {
                continue;
            }

            var reach = ring.Max(c => c.X);
            var outline = ring.Select(c => new Coordinate(
                    c.X * Math.Sin(downwind) + c.Y * Math.Cos(downwind),
                    c.X * Math.Cos(downwind) - c.Y * Math.Sin(downwind)))
                .Select(c => ToWgs(toWgs, c))
                .ToImmutableArray();
            contours.Add(new PlumeContour(level, threshold, Math.Round(reach), outline));
        }

        return new PlumeEstimate(stability.ToString(), inputs.Terrain.ToString(), Math.Round(release, 3), from!, contours.ToImmutable());
    }

    private static Polygon Circle(double radius) =>
        new GeometricShapeFactory(Geometry) { Centre = new Coordinate(0, 0), Size = 2 * radius, NumPoints = 64 }.CreateCircle();

    /// <summary>ERG's protective-action area: a square of the distance's side, from the source downwind, centred on the wind's line.</summary>
    private static Polygon ProtectiveSquare(double side, double downwindBearing)
    {
        var t = Radians(downwindBearing);
        Coordinate At(double along, double across) => new(
            along * Math.Sin(t) + across * Math.Cos(t),
            along * Math.Cos(t) - across * Math.Sin(t));
        return Geometry.CreatePolygon([At(0, -side / 2), At(side, -side / 2), At(side, side / 2), At(0, side / 2), At(0, -side / 2)]);
    }

    private static ImmutableArray<GeoPoint> Outline(Geometry zone, MathTransform toWgs)
    {
        // The parts all touch the source, so the union is one polygon; its outer ring is the outline.
        var polygon = zone as Polygon ?? (Polygon)zone.ConvexHull();
        return [.. polygon.Shell.Coordinates.Select(c => ToWgs(toWgs, c))];
    }

    private static GeoPoint ToWgs(MathTransform toWgs, Coordinate c)
    {
        var p = toWgs.Transform([c.X, c.Y]);
        return new GeoPoint(Math.Round(p[1], 7), Math.Round(p[0], 7));
    }

    private static Coordinate Local(MathTransform toLocal, GeoPoint p)
    {
        var xy = toLocal.Transform([p.Longitude, p.Latitude]);
        return new Coordinate(xy[0], xy[1]);
    }

    private static Point Point(GeoPoint p) => Geometry.CreatePoint(new Coordinate(p.Longitude, p.Latitude));

    private static double Radians(double degrees) => degrees * Math.PI / 180;
}

/// <summary>How hazard zones are drawn, from <c>CityControl:Hazards</c>.</summary>
public sealed class HazardOptions
{
    public const string Section = "CityControl:Hazards";

    /// <summary>Land use around the city's industrial complexes: Briggs' city coefficients unless set to Rural.</summary>
    public Terrain Terrain { get; set; } = Terrain.Urban;

    /// <summary>The wind is taken from the nearest reporting weather station within this distance of the leak.</summary>
    public double WeatherStationRadiusMeters { get; set; } = 10_000;

    /// <summary>Detectors of the same gas within this distance of the leak feed the plume's release estimate.</summary>
    public double DetectorRadiusMeters { get; set; } = 3_000;
}
