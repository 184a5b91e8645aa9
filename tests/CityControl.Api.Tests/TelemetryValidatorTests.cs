using CityControl.Devices;
using CityControl.Simulator;
using CityControl.Web.Ingest;
using CityControl.Rules.Devices;
using CityControl.Rules;

namespace CityControl.Tests.Domain;

public sealed class TelemetryValidatorTests
{
    [Fact]
    public void Every_reading_the_demo_simulator_makes_is_valid_for_its_device()
    {
        var now = new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);
        var devices = DemoCity.Devices.ToDictionary(
            d => d.Id,
            d => new DeviceSummary(d.Id, d.Kind, d.Name, d.Location, d.District, d.Zone, LifecycleStatus.Active));
        var readings = DemoCitySimulatorReadings(now);

        var (accepted, rejected) = TelemetryValidator.Validate(readings, devices, IngestPrincipal.Platform, now, new IngestOptions());

        Assert.Empty(rejected);
        Assert.Equal(DemoCity.Devices.Length, accepted.Count);
        Assert.All(DemoCity.Devices, d => Assert.Empty(DeviceRules.Validate(d)));
    }

    [Fact]
    public void Readings_too_old_or_for_a_decommissioned_device_are_rejected_with_the_reason()
    {
        var now = DateTimeOffset.UtcNow;
        var device = new DeviceSummary("f1", DeviceKind.FloodSensor, "Gauge", new GeoPoint(37.5, 126.9), "Yeouido", "p", LifecycleStatus.Decommissioned);
        var live = device with { Id = "f2", Status = LifecycleStatus.Active };
        var devices = new Dictionary<string, DeviceSummary> { ["f1"] = device, ["f2"] = live };
        var readings = new List<IncomingReading>
        {
            new("f1", now, MetricCatalog.WaterLevel, 0.1, "m"),
            new("f2", now.AddDays(-8), MetricCatalog.WaterLevel, 0.1, "m"),
            new("f2", now, MetricCatalog.Rainfall, -1, "mm"),
            new("f2", now, MetricCatalog.WaterLevel, 0.1, "m"),
        };

        var (accepted, rejected) = TelemetryValidator.Validate(readings, devices, IngestPrincipal.Platform, now, new IngestOptions());

        Assert.Single(accepted.Single().Readings);
        Assert.Equal(
            [(0, "deviceId", "device 'f1' is decommissioned"), (1, "timestamp", "is more than 7 days old"), (2, "value", "rainfall must be at least 0")],
            rejected.Select(r => (r.Index, r.Field, r.Reason)));
    }

    private static List<IncomingReading> DemoCitySimulatorReadings(DateTimeOffset now)
    {
        return [.. new DemoReadings(now, playsVideo: false).Generate(now).Select(r => new IncomingReading(r.DeviceId, r.Timestamp, r.Metric, r.Value, r.Unit))];
    }
}
