using System.Collections.Immutable;
using CityControl.Alarms;
using CityControl.Devices;
using CityControl.Tests.Infrastructure;
using CityControl.Rules.Security;
using CityControl.Rules.Devices;

namespace CityControl.Tests.Grains;

[Collection(ClusterCollection.Name)]
public sealed class AlarmGrainTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_real_CO_series_replayed_through_a_gas_sensor_grain_raises_and_clears_its_alarms_as_events()
    {
        var id = "co-" + Guid.NewGuid().ToString("N")[..10];
        var settings = new GasSensorSettings("CO", "mg/m3", Low: 5, High: 8, Twa: null, Stel: null);
        var definition = new DeviceDefinition(id, DeviceKind.GasSensor, "Road-level CO analyser", new GeoPoint(40.85, 14.27), "Replay", "road", TimeSpan.FromDays(1), GasSensor: settings);
        var grain = fixture.Grains.GetGrain<IGasSensorGrain>(id);
        await grain.Onboard(definition, CredentialHashes.Hash("s"));
        var series = GasData.HourlyCo().Where(s => s.Co is not null).Take(120).Select(s => new Reading(s.At, MetricCatalog.Concentration, s.Co!.Value, "mg/m3")).ToList();

        foreach (var day in series.Chunk(24))
        {
            await grain.ReportReadings(new ReadingBatch([.. day], day[^1].Timestamp));
        }

        var events = (await grain.GetRecentEvents(1000))
            .Where(e => e.Alarm is { Condition: AlarmCondition.GasLow or AlarmCondition.GasHigh })
            .Select(e => (e.Type, e.Alarm!.Condition, e.At))
            .ToList();
        var snapshot = (await grain.GetSnapshot())!;

        // Read from the data by the set-point rule operators are told: raised by the first reading at or above the
        // set-point, cleared by the first one more than the 5 % deadband below it.
        foreach (var (condition, setPoint) in new[] { (AlarmCondition.GasLow, 5.0), (AlarmCondition.GasHigh, 8.0) })
        {
            var expected = new List<(DeviceEventType, AlarmCondition, DateTimeOffset)>();
            var on = false;
            foreach (var r in series)
            {
                if (on != (on ? r.Value >= setPoint * 0.95 : r.Value >= setPoint))
                {
                    on = !on;
                    expected.Add((on ? DeviceEventType.AlarmRaised : DeviceEventType.AlarmCleared, condition, r.Timestamp));
                }
            }

            Assert.Equal(expected, events.Where(e => e.Condition == condition));
            Assert.Equal(on, snapshot.ActiveAlarms!.Any(a => a.Condition == condition));
        }

        // Checked by hand in AirQualityUCI.csv: CO 4.8 mg/m3 at 18:00 on 11 March 2004, 6.9 at 19:00, 6.1 at 20:00, 3.9 at 21:00.
        Assert.Equal(
            [(DeviceEventType.AlarmRaised, AlarmCondition.GasLow, new DateTimeOffset(2004, 3, 11, 19, 0, 0, TimeSpan.Zero)), (DeviceEventType.AlarmCleared, AlarmCondition.GasLow, new DateTimeOffset(2004, 3, 11, 21, 0, 0, TimeSpan.Zero))],
            events.Where(e => e.Condition == AlarmCondition.GasLow).Take(2));
        Assert.Contains(events, e => e.Condition == AlarmCondition.GasHigh);
    }

    [Fact]
    public async Task Flood_stages_signal_modes_and_stream_loss_become_alarms_on_their_devices()
    {
        var t = fixture.Time.GetUtcNow();
        var flood = fixture.Grains.GetGrain<IFloodSensorGrain>("fl-" + Guid.NewGuid().ToString("N")[..8]);
        await flood.Onboard(new DeviceDefinition(flood.GetPrimaryKeyString(), DeviceKind.FloodSensor, "Gauge", new GeoPoint(37.52, 126.93), "Yeouido", "p1", TimeSpan.FromMinutes(5),
            FloodSensor: new FloodSensorSettings(0, 0.3, 0.6, RateOfRisePerHour: 0.5)), "h");
        var signal = fixture.Grains.GetGrain<ITrafficSignalGrain>("sg-" + Guid.NewGuid().ToString("N")[..8]);
        await signal.Onboard(new DeviceDefinition(signal.GetPrimaryKeyString(), DeviceKind.TrafficSignal, "Junction", new GeoPoint(37.51, 126.90), "Yeongdeungpo", "c1", TimeSpan.FromMinutes(5),
            TrafficSignal: new TrafficSignalSettings(60, [], null)), "h");
        var camera = fixture.Grains.GetGrain<ICameraGrain>("cm-" + Guid.NewGuid().ToString("N")[..8]);
        await camera.Onboard(new DeviceDefinition(camera.GetPrimaryKeyString(), DeviceKind.Camera, "Gate", new GeoPoint(37.51, 126.90), "Yeongdeungpo", "c1", TimeSpan.FromMinutes(5),
            Camera: new CameraSettings(null, 90, 60, 100)), "h");

        await flood.ReportReadings(Batch(t, [(0, MetricCatalog.WaterLevel, 0.10, "m"), (60, MetricCatalog.WaterLevel, 0.35, "m"), (120, MetricCatalog.WaterLevel, 64, "cm")]));
        await signal.ReportReadings(Batch(t, [(0, MetricCatalog.Mode, 0, "code"), (1, MetricCatalog.Phase, 2, "phase"), (5, MetricCatalog.Mode, 1, "code"), (130, MetricCatalog.Phase, 2, "phase")]));
        await camera.ReportReadings(Batch(t, [(0, MetricCatalog.StreamUp, 1, "bool"), (10, MetricCatalog.StreamUp, 0, "bool")]));

        Assert.Equal([AlarmCondition.FloodAlert, AlarmCondition.FloodRateOfRise, AlarmCondition.FloodDanger], await Active(flood));
        Assert.Equal([AlarmCondition.SignalFlash, AlarmCondition.SignalStuckPhase], await Active(signal));
        Assert.Equal([AlarmCondition.CameraStreamLoss], await Active(camera));

        await camera.ReportReadings(Batch(t, [(20, MetricCatalog.StreamUp, 1, "bool")]));
        Assert.Empty(await Active(camera));
    }

    private static ReadingBatch Batch(DateTimeOffset t, (int Seconds, string Metric, double Value, string Unit)[] readings) =>
        new([.. readings.Select(r => new Reading(t.AddSeconds(r.Seconds), r.Metric, r.Value, r.Unit))], t.AddSeconds(readings.Max(r => r.Seconds)));

    private static async Task<ImmutableArray<AlarmCondition>> Active(IDeviceGrain grain) =>
        [.. (await grain.GetSnapshot())!.ActiveAlarms!.OrderBy(a => a.Since).ThenBy(a => a.Condition).Select(a => a.Condition)];
}
