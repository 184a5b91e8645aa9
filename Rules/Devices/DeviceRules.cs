using CityControl.Video;
using System.Text.RegularExpressions;
using CityControl.Devices;

namespace CityControl.Rules.Devices;

/// <summary>A broken rule: which field, and what the rule is.</summary>
public sealed record RuleViolation(string Field, string Message);

/// <summary>The rules every device definition and change must keep, in one place for the API, the importer and the grains.</summary>
public static partial class DeviceRules
{
    public const int MaxIdLength = 64;
    public const int MaxNameLength = 200;
    public static readonly TimeSpan MinHeartbeat = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan MaxHeartbeat = TimeSpan.FromDays(1);

    public static IReadOnlyList<RuleViolation> Validate(DeviceDefinition d)
    {
        var errors = new List<RuleViolation>();
        if (string.IsNullOrWhiteSpace(d.Id))
        {
            errors.Add(new("id", "is required"));
        }
        else if (d.Id.Length > MaxIdLength || !IdPattern().IsMatch(d.Id))
        {
            errors.Add(new("id", $"must be 1-{MaxIdLength} characters of letters, digits, '-', '_' or '.', starting with a letter or digit"));
        }

        if (!Enum.IsDefined(d.Kind))
        {
            errors.Add(new("kind", "must be one of camera, trafficSignal, gasSensor, floodSensor, weatherStation, warningDevice, barrier"));
        }

        Text(errors, "name", d.Name, MaxNameLength);
        Text(errors, "district", d.District, 100);
        Text(errors, "zone", d.Zone, 100);
        Location(errors, d.Location);
        if (d.HeartbeatInterval < MinHeartbeat || d.HeartbeatInterval > MaxHeartbeat)
        {
            errors.Add(new("heartbeatSeconds", $"must be between {MinHeartbeat.TotalSeconds} and {MaxHeartbeat.TotalSeconds} seconds"));
        }

        KindSections(errors, d);
        return errors;
    }

    /// <summary>Applies an update to a definition; the caller validates the result.</summary>
    public static DeviceDefinition Apply(DeviceDefinition d, DeviceUpdate u) => d with
    {
        Name = u.Name ?? d.Name,
        Location = u.Location ?? d.Location,
        District = u.District ?? d.District,
        Zone = u.Zone ?? d.Zone,
        HeartbeatInterval = u.HeartbeatInterval ?? d.HeartbeatInterval,
        Camera = u.Camera is { } camera
            ? camera with { Owner = camera.Owner ?? d.Camera?.Owner, Purposes = camera.Purposes ?? d.Camera?.Purposes }
            : d.Camera,
        TrafficSignal = u.TrafficSignal ?? d.TrafficSignal,
        GasSensor = u.GasSensor ?? d.GasSensor,
        FloodSensor = u.FloodSensor ?? d.FloodSensor,
        WarningDevice = u.WarningDevice ?? d.WarningDevice,
    };

    /// <summary>Whether an admin may move a device from one lifecycle status to another.</summary>
    public static string? CheckTransition(LifecycleStatus from, LifecycleStatus to) => (from, to) switch
    {
        _ when from == to => null,
        (LifecycleStatus.Decommissioned, _) => "a decommissioned device cannot change status; onboard a new device instead",
        (_, LifecycleStatus.Provisioned) => $"a device cannot go back from {from} to provisioned",
        _ => null,
    };

    private static void Text(List<RuleViolation> errors, string field, string? value, int max)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(new(field, "is required"));
        }
        else if (value.Length > max)
        {
            errors.Add(new(field, $"must be at most {max} characters"));
        }
    }

    /// <summary>A WGS84 point: present, latitude within ±90 and longitude within ±180 (used by every rule that takes a place).</summary>
    public static void Location(List<RuleViolation> errors, GeoPoint? p)
    {
        if (p is null)
        {
            errors.Add(new("location", "is required (WGS84 latitude and longitude)"));
            return;
        }

        if (!double.IsFinite(p.Latitude) || p.Latitude is < -90 or > 90)
        {
            errors.Add(new("location.latitude", "must be a WGS84 latitude between -90 and 90"));
        }

        if (!double.IsFinite(p.Longitude) || p.Longitude is < -180 or > 180)
        {
            errors.Add(new("location.longitude", "must be a WGS84 longitude between -180 and 180"));
        }
    }

    private static void KindSections(List<RuleViolation> errors, DeviceDefinition d)
    {
        void Forbid(object? section, DeviceKind owner, string field)
        {
            if (section is not null && d.Kind != owner)
            {
                errors.Add(new(field, $"applies only to {Camel(owner)} devices"));
            }
        }

        Forbid(d.Camera, DeviceKind.Camera, "camera");
        Forbid(d.TrafficSignal, DeviceKind.TrafficSignal, "trafficSignal");
        Forbid(d.GasSensor, DeviceKind.GasSensor, "gasSensor");
        Forbid(d.FloodSensor, DeviceKind.FloodSensor, "floodSensor");
        Forbid(d.WarningDevice, DeviceKind.WarningDevice, "warningDevice");

        switch (d.Kind)
        {
            case DeviceKind.Camera when d.Camera is { } c:
                Camera(errors, c);
                break;
            case DeviceKind.TrafficSignal when d.TrafficSignal is { } s:
                Signal(errors, s);
                break;
            case DeviceKind.GasSensor:
                Gas(errors, d.GasSensor);
                break;
            case DeviceKind.FloodSensor:
                Flood(errors, d.FloodSensor);
                break;
            case DeviceKind.WarningDevice:
                Warning(errors, d.WarningDevice);
                break;
        }
    }

    private static void Camera(List<RuleViolation> errors, CameraSettings c)
    {
        if (c.StreamUrl is { } url && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("rtsp" or "rtsps" or "http" or "https" or "file")))
        {
            errors.Add(new("camera.streamUrl", "must be an absolute rtsp, rtsps, http, https or file URL"));
        }

        if (c.BearingDegrees is { } b && (!double.IsFinite(b) || b is < 0 or >= 360))
        {
            errors.Add(new("camera.bearingDegrees", "must be from 0 (north) up to 360"));
        }

        if (c.FieldOfViewDegrees is { } f && (!double.IsFinite(f) || f is <= 0 or > 360))
        {
            errors.Add(new("camera.fieldOfViewDegrees", "must be more than 0 and at most 360"));
        }

        if (c.RangeMeters is { } r && (!double.IsFinite(r) || r is <= 0 or > 5000))
        {
            errors.Add(new("camera.rangeMeters", "must be more than 0 and at most 5000"));
        }

        if (c.Owner is { } owner && !Enum.IsDefined(owner))
        {
            errors.Add(new("camera.owner", $"must be one of {string.Join(", ", Enum.GetNames<CameraOwner>())}"));
        }

        if (c.Purposes is { } purposes)
        {
            if (purposes.IsDefaultOrEmpty)
            {
                errors.Add(new("camera.purposes", "must name at least one purpose the camera is watched for"));
            }
            else if (purposes.Any(p => !Enum.IsDefined(p)))
            {
                errors.Add(new("camera.purposes", $"must each be one of {string.Join(", ", Enum.GetNames<VideoPurpose>())}"));
            }
            else if (purposes.Distinct().Count() != purposes.Length)
            {
                errors.Add(new("camera.purposes", "must not repeat a purpose"));
            }
        }
    }

    private static void Signal(List<RuleViolation> errors, TrafficSignalSettings s)
    {
        if (!double.IsFinite(s.CycleSeconds) || s.CycleSeconds is < 20 or > 300)
        {
            errors.Add(new("trafficSignal.cycleSeconds", "must be between 20 and 300 seconds"));
        }

        var phases = s.Phases.IsDefault ? [] : s.Phases;
        var seen = new HashSet<int>();
        for (var i = 0; i < phases.Length; i++)
        {
            var p = phases[i];
            var at = $"trafficSignal.phases[{i}]";
            if (p is null)
            {
                // JSON allows null in a list of objects; a phase must be one.
                errors.Add(new(at, "must be a phase object, not null"));
                continue;
            }

            if (p.Phase is < 1 or > 40 || !seen.Add(p.Phase))
            {
                errors.Add(new($"{at}.phase", "must be a distinct phase number from 1 to 40"));
            }

            if (!(p.MinGreenSeconds > 0 && p.MaxGreenSeconds >= p.MinGreenSeconds))
            {
                errors.Add(new($"{at}.maxGreenSeconds", "must be at least minGreenSeconds, which must be positive"));
            }

            if (p.YellowSeconds is < 3 or > 6)
            {
                errors.Add(new($"{at}.yellowSeconds", "must be between 3 and 6 seconds"));
            }

            if (p.RedClearanceSeconds is < 0 or > 6)
            {
                errors.Add(new($"{at}.redClearanceSeconds", "must be between 0 and 6 seconds"));
            }
        }

        var minCycle = phases.Where(p => p is not null).Sum(p => p.MinGreenSeconds + p.YellowSeconds + p.RedClearanceSeconds);
        if (phases.Length > 0 && minCycle > s.CycleSeconds)
        {
            errors.Add(new("trafficSignal.cycleSeconds", $"is shorter than the phases' minimum greens and clearances ({minCycle:0.#} s)"));
        }
    }

    private static void Gas(List<RuleViolation> errors, GasSensorSettings? g)
    {
        if (g is null)
        {
            errors.Add(new("gasSensor", "is required for a gas sensor (gas, unit and set-points)"));
            return;
        }

        var gas = GasCatalog.Find(g.Gas ?? "");
        if (gas is null)
        {
            errors.Add(new("gasSensor.gas", $"must be one of {string.Join(", ", GasCatalog.All.Select(x => x.Formula))}"));
        }

        var units = MetricCatalog.Find(DeviceKind.GasSensor, MetricCatalog.Concentration)!.Units;
        if (!units.Contains(g.Unit))
        {
            errors.Add(new("gasSensor.unit", $"must be one of {string.Join(", ", units)}"));
        }
        else if (g.Unit == "%LEL" && gas is { LowerExplosiveLimitPercentVolume: null })
        {
            errors.Add(new("gasSensor.unit", $"%LEL applies only to flammable gases; {gas.Formula} has no LEL"));
        }

        void Positive(double? v, string field)
        {
            if (v is { } x && (!double.IsFinite(x) || x <= 0))
            {
                errors.Add(new(field, "must be a positive number"));
            }
        }

        Positive(g.FullScale, "gasSensor.fullScale");
        Positive(g.RateOfRisePerMinute, "gasSensor.rateOfRisePerMinute");
        Between(errors, g.DeadbandPercent, "gasSensor.deadbandPercent", 0, 50);
        Between(errors, g.DelayOnSeconds, "gasSensor.delayOnSeconds", 0, 3600);
        Between(errors, g.FlatlineMinutes, "gasSensor.flatlineMinutes", 1, 7 * 24 * 60);
        if (g is { FullScale: { } scale, High: { } highPoint } && highPoint >= scale)
        {
            errors.Add(new("gasSensor.fullScale", "must be above high"));
        }

        Positive(g.Low, "gasSensor.low");
        Positive(g.High, "gasSensor.high");
        Positive(g.Twa, "gasSensor.twa");
        Positive(g.Stel, "gasSensor.stel");
        if (g.Low is null && g.High is null)
        {
            errors.Add(new("gasSensor.high", "at least one instantaneous set-point (low or high) is required"));
        }

        if (g is { Low: { } low, High: { } high } && low >= high)
        {
            errors.Add(new("gasSensor.high", "must be above low"));
        }
    }

    private static void Flood(List<RuleViolation> errors, FloodSensorSettings? f)
    {
        if (f is null)
        {
            errors.Add(new("floodSensor", "is required for a flood sensor (referenceLevel, alertLevel, dangerLevel)"));
            return;
        }

        if (!double.IsFinite(f.ReferenceLevel) || !double.IsFinite(f.AlertLevel) || !double.IsFinite(f.DangerLevel))
        {
            errors.Add(new("floodSensor", "levels must be finite numbers in metres"));
            return;
        }

        if (f.AlertLevel <= f.ReferenceLevel)
        {
            errors.Add(new("floodSensor.alertLevel", "must be above referenceLevel"));
        }

        if (f.DangerLevel <= f.AlertLevel)
        {
            errors.Add(new("floodSensor.dangerLevel", "must be above alertLevel"));
        }

        Between(errors, f.RateOfRisePerHour, "floodSensor.rateOfRisePerHour", 0.001, 100);
    }

    private static void Warning(List<RuleViolation> errors, WarningDeviceSettings? w)
    {
        if (w is null)
        {
            errors.Add(new("warningDevice", "is required for a warning device (type, rangeMeters)"));
            return;
        }

        if (!Enum.IsDefined(w.Type))
        {
            errors.Add(new("warningDevice.type", "must be one of siren, loudspeaker, messageSign"));
        }

        if (!double.IsFinite(w.RangeMeters) || w.RangeMeters is < 10 or > 5000)
        {
            errors.Add(new("warningDevice.rangeMeters", "must be between 10 and 5000 metres"));
        }
    }

    private static void Between(List<RuleViolation> errors, double? value, string field, double min, double max)
    {
        if (value is { } v && (!double.IsFinite(v) || v < min || v > max))
        {
            errors.Add(new(field, $"must be between {min} and {max}"));
        }
    }

    public static string Camel(DeviceKind kind)
    {
        var name = kind.ToString();
        return char.ToLowerInvariant(name[0]) + name[1..];
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex IdPattern();
}
