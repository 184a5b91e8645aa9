using System.Collections.Frozen;
using CityControl.Devices;

namespace CityControl.Rules.Devices;

/// <summary>A metric a kind of device may report: the units it may come in and the values it may take.</summary>
public sealed record MetricDefinition(string Name, IReadOnlyList<string> Units, string Description, Func<double, string?>? CheckValue = null);

/// <summary>Which metrics each kind of device reports. Readings outside this catalogue are refused at ingest.</summary>
public static class MetricCatalog
{
    public const string StreamUp = "streamUp";
    public const string FramesPerSecond = "fps";
    public const string Bitrate = "bitrate";
    public const string Phase = "phase";
    public const string Mode = "mode";
    public const string Volume = "volume";
    public const string Occupancy = "occupancy";
    public const string Concentration = "concentration";
    public const string Temperature = "temperature";
    public const string Humidity = "humidity";
    public const string WaterLevel = "waterLevel";
    public const string Rainfall = "rainfall";
    public const string WindSpeed = "windSpeed";
    public const string WindDirection = "windDirection";
    public const string CloudCover = "cloudCover";
    public const string SolarRadiation = "solarRadiation";

    /// <summary>A warning device's report: the sequence number of the message it is playing or showing, 0 when silent.</summary>
    public const string Playing = "playing";

    /// <summary>A barrier's position: 0 open, 1 closed, 2 moving, 3 fault.</summary>
    public const string Position = "position";

    /// <summary>
    /// Every kind's link to the platform, as its protocol adapter sees it: 1 connected, 0 the session was lost without
    /// a goodbye (an MQTT Last Will). A lost session makes the device offline at once, not at its heartbeat's end.
    /// </summary>
    public const string Connection = "connection";

    /// <summary>The approaches of an intersection, as detector channels are mapped to them: northbound, southbound, eastbound, westbound.</summary>
    public static readonly IReadOnlyList<string> Approaches = ["NB", "SB", "EB", "WB"];

    /// <summary>The metric of one approach's detectors, e.g. <c>occupancy.NB</c>.</summary>
    public static string OfApproach(string metric, string approach) => metric + "." + approach;

    /// <summary>The metric (occupancy or volume) and approach of a per-approach metric name, or nulls for any other metric.</summary>
    public static (string? Metric, string? Approach) ApproachOf(string metricName)
    {
        var dot = metricName.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            return (null, null);
        }

        var (metric, approach) = (metricName[..dot], metricName[(dot + 1)..]);
        return metric is Occupancy or Volume && Approaches.Contains(approach) ? (metric, approach) : (null, null);
    }

    // Before the table that uses it: static fields are set in the order they are written.
    private static readonly MetricDefinition ConnectionMetric =
        new(Connection, ["state"], "1 connected, 0 the session was lost without a goodbye (MQTT Last Will)", OneOf(0, 1));

    private static readonly FrozenDictionary<DeviceKind, FrozenDictionary<string, MetricDefinition>> Metrics =
        new Dictionary<DeviceKind, FrozenDictionary<string, MetricDefinition>>
        {
            [DeviceKind.Camera] = Build(
                new(StreamUp, ["bool"], "1 while the video stream is up, 0 when it is lost", OneOf(0, 1)),
                new(FramesPerSecond, ["fps"], "frames per second received", AtLeast(0)),
                new(Bitrate, ["kbps"], "stream bitrate", AtLeast(0))),
            [DeviceKind.TrafficSignal] = Build(
            [
                new(Phase, ["phase"], "the phase now green (1-40)", v => v is >= 1 and <= 40 && v == Math.Floor(v) ? null : "must be a whole phase number from 1 to 40"),
                new(Mode, ["code"], "controller mode: 0 normal, 1 flash, 2 fault, 3 preemption", OneOf(0, 1, 2, 3)),
                new(Volume, ["veh"], "vehicles counted in the reporting interval", AtLeast(0)),
                new(Occupancy, ["%"], "detector occupancy", Between(0, 100)),
                .. Approaches.Select(a => new MetricDefinition(OfApproach(Occupancy, a), ["%"], $"detector occupancy of the {a} approach", Between(0, 100))),
                .. Approaches.Select(a => new MetricDefinition(OfApproach(Volume, a), ["veh"], $"vehicles counted on the {a} approach in the reporting interval", AtLeast(0))),
            ]),
            [DeviceKind.GasSensor] = Build(
                new(Concentration, ["ppm", "ppb", "%LEL", "%vol", "mg/m3"], "gas concentration"),
                new(Temperature, ["degC"], "air temperature at the sensor"),
                new(Humidity, ["%"], "relative humidity at the sensor", Between(0, 100))),
            [DeviceKind.FloodSensor] = Build(
                new(WaterLevel, ["m", "cm"], "water level above the gauge datum"),
                new(Rainfall, ["mm"], "rainfall in the reporting interval", AtLeast(0))),
            [DeviceKind.WeatherStation] = Build(
                new(WindSpeed, ["m/s", "km/h"], "wind speed at 10 m", Between(0, 100)),
                new(WindDirection, ["deg"], "the direction the wind blows from, degrees clockwise from true north", Between(0, 360)),
                new(Temperature, ["degC"], "air temperature"),
                new(CloudCover, ["okta"], "cloud cover in eighths of the sky", Between(0, 8)),
                new(SolarRadiation, ["W/m2"], "global solar radiation", Between(0, 1500))),
            [DeviceKind.Barrier] = Build(
                new MetricDefinition(Position, ["code"], "barrier position: 0 open, 1 closed, 2 moving, 3 fault", OneOf(0, 1, 2, 3))),
            [DeviceKind.WarningDevice] = Build(
                new MetricDefinition(Playing, ["seq"], "the sequence number of the message being played or shown, 0 when silent", v => v >= 0 && v == Math.Floor(v) ? null : "must be a whole number, 0 or more")),
        }.ToFrozenDictionary();

    public static IReadOnlyCollection<MetricDefinition> For(DeviceKind kind) => Metrics[kind].Values;

    public static MetricDefinition? Find(DeviceKind kind, string metric) =>
        Metrics[kind].GetValueOrDefault(metric);

    private static FrozenDictionary<string, MetricDefinition> Build(params IEnumerable<MetricDefinition> metrics) =>
        metrics.Append(ConnectionMetric).ToFrozenDictionary(m => m.Name, StringComparer.Ordinal);

    private static Func<double, string?> OneOf(params double[] allowed) =>
        v => allowed.Contains(v) ? null : $"must be one of {string.Join(", ", allowed)}";

    private static Func<double, string?> AtLeast(double min) =>
        v => v >= min ? null : $"must be at least {min}";

    private static Func<double, string?> Between(double min, double max) =>
        v => v >= min && v <= max ? null : $"must be between {min} and {max}";
}
