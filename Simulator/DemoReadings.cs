using CityControl.Devices;
using CityControl.Rules.Devices;

namespace CityControl.Simulator;

/// <summary>A reading as the telemetry API takes it.</summary>
public sealed record SimulatedReading(string DeviceId, DateTimeOffset Timestamp, string Metric, double Value, string Unit);

/// <summary>
/// Plausible readings for the demo devices: signals cycling through their phases, gas detectors at a noisy baseline
/// with an occasional leak, river gauges rising and falling, and the health of the cameras that play no clip
/// (<paramref name="playsVideo"/>: the clips' cameras report their own stream through a video worker). The signal
/// <paramref name="replayed"/>, if any, replays a real controller log instead and gets no made-up phases.
/// </summary>
public sealed class DemoReadings(DateTimeOffset started, bool playsVideo, string? replayed = null, DeviceCommands? commands = null)
{
    private readonly Random _random = new(20261124);

    /// <summary>The demo's events run on cycles from its start, so a newcomer sees the first leak within two minutes.</summary>
    private readonly DateTimeOffset _started = started;

    public List<SimulatedReading> Generate(DateTimeOffset now)
    {
        var readings = new List<SimulatedReading>();
        var t = now.ToUnixTimeSeconds();
        var sinceStart = (now - _started).TotalSeconds;

        // A leak at one ammonia detector from 60 to 120 s of every 15 minutes; signal 7 flashing from 120 to 240 s of every 20.
        var leaking = sinceStart % 900 is >= 60 and < 120;
        var flashing = sinceStart % 1200 is >= 120 and < 240;
        foreach (var d in DemoCity.Devices)
        {
            switch (d.Kind)
            {
                case DeviceKind.TrafficSignal when d.Id == replayed:
                    break;
                case DeviceKind.TrafficSignal:
                    var phases = d.TrafficSignal!.Phases;
                    var offset = (t + DeviceGrains.DirectoryPartitionOf(d.Id) * 7) % (long)d.TrafficSignal.CycleSeconds;
                    var phase = phases[(int)(offset * phases.Length / (long)d.TrafficSignal.CycleSeconds)].Phase;
                    readings.Add(new(d.Id, now, MetricCatalog.Phase, phase, "phase"));
                    readings.Add(new(d.Id, now, MetricCatalog.Mode, d.Id == "sig-ydp-07" && flashing ? 1 : 0, "code"));
                    readings.Add(new(d.Id, now, MetricCatalog.Volume, Math.Round(8 + 6 * Math.Sin(t / 600.0) + _random.Next(0, 5)), "veh"));

                    // Detector occupancy by approach: a daily-looking swell, heavier on the main road, and a queue that
                    // builds on one approach of the Yeongdeungpo junction for ten minutes of every half hour.
                    for (var a = 0; a < MetricCatalog.Approaches.Count; a++)
                    {
                        var approach = MetricCatalog.Approaches[a];
                        var main = approach is "EB" or "WB" ? 1.6 : 1.0;
                        var queue = d.Id == "sig-ydp-03" && approach == "EB" && sinceStart % 1800 is >= 300 and < 900 ? 45 : 0;
                        var occupancy = Math.Clamp((9 + 6 * Math.Sin(t / 900.0 + a)) * main + queue + _random.Next(0, 4), 0, 100);
                        readings.Add(new(d.Id, now, MetricCatalog.OfApproach(MetricCatalog.Occupancy, approach), Math.Round(occupancy, 1), "%"));
                        readings.Add(new(d.Id, now, MetricCatalog.OfApproach(MetricCatalog.Volume, approach), Math.Round(occupancy / 3 * main + _random.Next(0, 3)), "veh"));
                    }
                    break;
                case DeviceKind.GasSensor:
                    var gas = d.GasSensor!;
                    var baseline = (gas.Low ?? gas.High!.Value) * 0.15;
                    var leak = d.Id == "gas-guro-05" && leaking ? (gas.High ?? gas.Low!.Value) * 1.4 : 0;
                    var value = Math.Max(0, baseline + leak + baseline * 0.1 * (_random.NextDouble() - 0.5));
                    readings.Add(new(d.Id, now, MetricCatalog.Concentration, Math.Round(value, 3), gas.Unit));
                    break;
                case DeviceKind.FloodSensor:
                    // Car park 1's first gauge sees the river come up 2 cm a minute from the tenth to the twentieth minute of
                    // every half hour (alert level at about the nineteenth minute, the danger level predicted 15 minutes off).
                    var surge = d.Id == "flood-yeouido-01" && sinceStart % 1800 is >= 600 and < 1260 ? 0.02 * ((sinceStart % 1800) - 600) / 60 : 0;
                    var level = Math.Max(0, 0.12 + 0.1 * Math.Sin(t / 1800.0 + d.Location.Longitude * 100) + 0.01 * _random.NextDouble() + surge);
                    readings.Add(new(d.Id, now, MetricCatalog.WaterLevel, Math.Round(level, 3), "m"));
                    break;
                case DeviceKind.WeatherStation:
                    // A westerly that backs to the south-west for five minutes of every twelve: the hazard zone turns with it.
                    var from = sinceStart % 720 is >= 420 ? 225 : 270;
                    readings.Add(new(d.Id, now, MetricCatalog.WindDirection, Math.Round(from + 4 * (_random.NextDouble() - 0.5), 1), "deg"));
                    readings.Add(new(d.Id, now, MetricCatalog.WindSpeed, Math.Round(3 + 0.6 * Math.Sin(t / 300.0) + 0.2 * _random.NextDouble(), 1), "m/s"));
                    readings.Add(new(d.Id, now, MetricCatalog.Temperature, Math.Round(12 + 4 * Math.Sin(t / 7200.0), 1), "degC"));
                    readings.Add(new(d.Id, now, MetricCatalog.CloudCover, 3, "okta"));
                    break;
                case DeviceKind.Barrier:
                    readings.Add(new(d.Id, now, MetricCatalog.Position, commands?.PositionOf(d.Id) ?? 0, "code"));
                    break;
                case DeviceKind.WarningDevice:
                    // It plays what it was last told to (the gateway hears commands over MQTT), 0 when silent.
                    readings.Add(new(d.Id, now, MetricCatalog.Playing, commands?.PlayingOf(d.Id) ?? 0, "seq"));
                    break;
                case DeviceKind.Camera when !playsVideo || !DemoCity.VideoCameras.ContainsKey(d.Id):
                    readings.Add(new(d.Id, now, MetricCatalog.StreamUp, 1, "bool"));
                    readings.Add(new(d.Id, now, MetricCatalog.FramesPerSecond, 5, "fps"));
                    break;
            }
        }

        return readings;
    }
}
