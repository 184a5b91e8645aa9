using System.Collections.Immutable;
using CityControl.Video;
using NetTopologySuite.Geometries;
using CityControl.Rules.Devices;
using CityControl.Devices;

namespace CityControl.Rules.Video;

/// <summary>The rules a camera's video analytics settings must keep, with the field named the way the API spells it.</summary>
public static class AnalyticsRules
{
    public const int MaxZones = 32;
    public const int MaxPolygonPoints = 64;
    public const int MaxSourceDimension = 8192;

    /// <summary>Image pixels are a plane of their own: no spatial reference, exact coordinates.</summary>
    private static readonly GeometryFactory Image = new();

    public static IReadOnlyList<RuleViolation> Validate(CameraAnalyticsConfig c)
    {
        var errors = new List<RuleViolation>();
        if (c.AnalysisFps is < 0.5 or > 30 || double.IsNaN(c.AnalysisFps))
        {
            errors.Add(new("analysisFps", "must be between 0.5 and 30 frames per second"));
        }

        if (c.DetectionWidth is < 160 or > 1920)
        {
            errors.Add(new("detectionWidth", "must be between 160 and 1920 pixels"));
        }

        if (c.MinObjectArea is < 1 or > 100_000 || double.IsNaN(c.MinObjectArea))
        {
            errors.Add(new("minObjectArea", "must be between 1 and 100000 detection pixels"));
        }

        if (c.BackgroundRatio is < 0.3 or > 0.99 || double.IsNaN(c.BackgroundRatio))
        {
            errors.Add(new("backgroundRatio", "must be between 0.3 and 0.99"));
        }

        if (!Enum.IsDefined(c.Detector))
        {
            errors.Add(new("detector", "must be motion or objects"));
        }

        if (c.MinConfidence is < 0.05 or > 0.95 || double.IsNaN(c.MinConfidence))
        {
            errors.Add(new("minConfidence", "must be between 0.05 and 0.95 (the detector's score an object needs)"));
        }

        var zones = c.Zones.IsDefault ? [] : c.Zones;
        if (zones.Length > MaxZones)
        {
            errors.Add(new("zones", $"must be at most {MaxZones}"));
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < zones.Length; i++)
        {
            var z = zones[i];
            var field = $"zones[{i}]";
            if (z is null)
            {
                errors.Add(new(field, "must be a zone"));
                continue;
            }

            if (string.IsNullOrWhiteSpace(z.Name) || z.Name.Length > 64)
            {
                errors.Add(new($"{field}.name", "is required, at most 64 characters"));
            }
            else if (!names.Add(z.Name))
            {
                errors.Add(new($"{field}.name", $"'{z.Name}' is used by another zone"));
            }

            if (!Enum.IsDefined(z.Kind))
            {
                errors.Add(new($"{field}.kind", "must be one of intrusion, loitering, crowding, stoppedVehicle, count"));
            }

            Polygon(errors, $"{field}.polygon", z.Polygon);
            if (z.Seconds is { } s && (s <= 0 || s > 86_400 || double.IsNaN(s)))
            {
                errors.Add(new($"{field}.seconds", "must be more than 0 and at most 86400"));
            }

            if (z.Kind is AnalyticsZoneKind.Loitering or AnalyticsZoneKind.StoppedVehicle && z.Seconds is null)
            {
                errors.Add(new($"{field}.seconds", $"is required for a {z.Kind} zone (the time that makes an alarm)"));
            }

            if (z.Classes is { } classes)
            {
                if (classes.Length > 8 || classes.Any(k => !Enum.IsDefined(k) || k == ObjectClass.Unknown))
                {
                    errors.Add(new($"{field}.classes", "must name at most 8 of person, vehicle, bicycle, car, motorcycle, bus, truck"));
                }
            }

            if (z.MinCount is { } n && n is < 1 or > 1000)
            {
                errors.Add(new($"{field}.minCount", "must be between 1 and 1000"));
            }

            if (z.Kind == AnalyticsZoneKind.Crowding && z.MinCount is null)
            {
                errors.Add(new($"{field}.minCount", "is required for a crowding zone"));
            }

            if (z.ActiveFromHour is { } from && from is < 0 or > 23)
            {
                errors.Add(new($"{field}.activeFromHour", "must be an hour from 0 to 23"));
            }

            if (z.ActiveToHour is { } to && to is < 0 or > 24)
            {
                errors.Add(new($"{field}.activeToHour", "must be an hour from 0 to 24"));
            }

            if (z.ActiveFromHour.HasValue != z.ActiveToHour.HasValue)
            {
                errors.Add(new($"{field}.activeToHour", "activeFromHour and activeToHour go together"));
            }

            if (z.InwardPoint is { } inward)
            {
                if (z.Kind != AnalyticsZoneKind.Count)
                {
                    errors.Add(new($"{field}.inwardPoint", "is for a counting zone only (the inner side of an entrance's band)"));
                }
                else if (double.IsNaN(inward.X) || double.IsNaN(inward.Y) || inward.X < 0 || inward.Y < 0 || inward.X > MaxSourceDimension || inward.Y > MaxSourceDimension)
                {
                    errors.Add(new($"{field}.inwardPoint", $"must be image pixels from 0 to {MaxSourceDimension}"));
                }
                else if (!z.Polygon.IsDefault && z.Polygon.Length >= 3 && z.Polygon.All(p => p is not null)
                    && Image.CreatePolygon([.. z.Polygon.Select(p => new Coordinate(p.X, p.Y)), new Coordinate(z.Polygon[0].X, z.Polygon[0].Y)]) is { IsValid: true } band
                    && band.Covers(Image.CreatePoint(new Coordinate(inward.X, inward.Y))))
                {
                    errors.Add(new($"{field}.inwardPoint", "must lie beyond the band, on its inner side"));
                }
            }
        }

        var masks = c.MotionMasks.IsDefault ? [] : c.MotionMasks;
        for (var i = 0; i < masks.Length; i++)
        {
            Polygon(errors, $"motionMasks[{i}]", masks[i]);
        }

        return errors;
    }

    private static void Polygon(List<RuleViolation> errors, string field, ImmutableArray<ImagePoint> polygon)
    {
        if (polygon.IsDefault || polygon.Length < 3 || polygon.Length > MaxPolygonPoints)
        {
            errors.Add(new(field, $"must have 3 to {MaxPolygonPoints} points"));
            return;
        }

        if (polygon.Any(p => p is null || double.IsNaN(p.X) || double.IsNaN(p.Y) || p.X < 0 || p.Y < 0 || p.X > MaxSourceDimension || p.Y > MaxSourceDimension))
        {
            errors.Add(new(field, $"points must be image pixels from 0 to {MaxSourceDimension}"));
            return;
        }

        var ring = polygon.Select(p => new Coordinate(p.X, p.Y)).Append(new Coordinate(polygon[0].X, polygon[0].Y)).ToArray();
        var shape = Image.CreatePolygon(ring);
        if (shape.Area < 1)
        {
            errors.Add(new(field, "must enclose an area (its points lie on one line)"));
        }
        else if (!shape.IsValid)
        {
            errors.Add(new(field, "must not cross itself"));
        }
    }
}
