using CityControl.Rules.Geo;
using CityControl.Devices;
using CityControl.Rules.Devices;

namespace CityControl.Tests.Domain;

public sealed class DeviceRulesTests
{
    private static readonly DeviceDefinition Signal = new(
        "sig-1", DeviceKind.TrafficSignal, "Junction", new GeoPoint(37.5, 126.9), "Yeongdeungpo", "c-1", TimeSpan.FromSeconds(60),
        TrafficSignal: new TrafficSignalSettings(60, [new SignalPhaseTiming(2, 20, 40, 4, 2), new SignalPhaseTiming(4, 20, 40, 4, 2)], null));

    [Fact]
    public void A_good_definition_breaks_no_rule() => Assert.Empty(DeviceRules.Validate(Signal));

    [Fact]
    public void A_timing_plan_that_does_not_fit_its_cycle_is_refused()
    {
        var errors = DeviceRules.Validate(Signal with { TrafficSignal = Signal.TrafficSignal! with { CycleSeconds = 50 } });

        var error = Assert.Single(errors);
        Assert.Equal("trafficSignal.cycleSeconds", error.Field);
        Assert.Contains("52 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_of_another_kind_are_refused()
    {
        var errors = DeviceRules.Validate(Signal with { FloodSensor = new FloodSensorSettings(0, 1, 2) });

        Assert.Equal(("floodSensor", "applies only to floodSensor devices"), (errors.Single().Field, errors.Single().Message));
    }

    [Fact]
    public void Percent_LEL_is_only_for_gases_that_burn()
    {
        var gas = new DeviceDefinition("g", DeviceKind.GasSensor, "Cl2", new GeoPoint(37.5, 126.9), "Guro", "p", TimeSpan.FromSeconds(60),
            GasSensor: new GasSensorSettings("Cl2", "%LEL", 10, 20, null, null));

        Assert.Equal("gasSensor.unit", DeviceRules.Validate(gas).Single().Field);
    }

    [Theory]
    [InlineData(LifecycleStatus.Provisioned, LifecycleStatus.Active, true)]
    [InlineData(LifecycleStatus.Active, LifecycleStatus.Maintenance, true)]
    [InlineData(LifecycleStatus.Maintenance, LifecycleStatus.Active, true)]
    [InlineData(LifecycleStatus.Active, LifecycleStatus.Decommissioned, true)]
    [InlineData(LifecycleStatus.Active, LifecycleStatus.Provisioned, false)]
    [InlineData(LifecycleStatus.Decommissioned, LifecycleStatus.Active, false)]
    public void Lifecycle_moves_forward_and_decommissioning_is_final(LifecycleStatus from, LifecycleStatus to, bool allowed) =>
        Assert.Equal(allowed, DeviceRules.CheckTransition(from, to) is null);

    [Fact]
    public void Gas_units_convert_through_molar_mass_and_the_lower_explosive_limit()
    {
        Assert.Equal(17.41, GasCatalog.Convert(25, "ppm", "mg/m3", "NH3")!.Value, 2);
        Assert.Equal(25_000, GasCatalog.Convert(50, "%LEL", "ppm", "CH4")!.Value, 6);
        Assert.Equal(2.5, GasCatalog.Convert(50, "%LEL", "%vol", "CH4")!.Value, 9);
        Assert.Equal(0.5, GasCatalog.Convert(500, "ppb", "ppm", "Cl2")!.Value, 9);
        Assert.Null(GasCatalog.Convert(10, "%LEL", "ppm", "Cl2"));
    }

    [Fact]
    public void Distances_and_bearings_are_measured_on_the_ground()
    {
        var plant = new GeoPoint(37.4851, 126.8990);
        var north = new GeoPoint(37.4860, 126.8990);
        var east = new GeoPoint(37.4851, 126.9000);

        Assert.Equal(100, GeoDistance.Meters(plant, north), 0);
        Assert.Equal(88, GeoDistance.Meters(plant, east), 0);
        Assert.Equal(0, GeoDistance.BearingDegrees(plant, north), 0);
        Assert.Equal(90, GeoDistance.BearingDegrees(plant, east), 0);
    }

    [Fact]
    public void History_keeps_time_order_drops_repeats_and_stays_bounded()
    {
        var t = new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);
        var history = new List<Reading>();

        var outcomes = new[]
        {
            ReadingHistory.Insert(history, new Reading(t.AddSeconds(2), "m", 2, "u"), 3),
            ReadingHistory.Insert(history, new Reading(t.AddSeconds(1), "m", 1, "u"), 3),
            ReadingHistory.Insert(history, new Reading(t.AddSeconds(2), "m", 2, "u"), 3),
            ReadingHistory.Insert(history, new Reading(t.AddSeconds(2), "other", 9, "u"), 3),
            ReadingHistory.Insert(history, new Reading(t.AddSeconds(3), "m", 3, "u"), 3),
            ReadingHistory.Insert(history, new Reading(t, "m", 0, "u"), 3),
        };

        Assert.Equal(
            [ReadingHistory.Outcome.Added, ReadingHistory.Outcome.Added, ReadingHistory.Outcome.Duplicate, ReadingHistory.Outcome.Added, ReadingHistory.Outcome.Added, ReadingHistory.Outcome.TooOld],
            outcomes);
        Assert.Equal([2.0, 9.0, 3.0], history.Select(r => r.Value));
    }

    [Fact]
    public void The_watchdog_is_unknown_before_a_report_online_within_the_interval_and_offline_after()
    {
        var seen = new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);
        var interval = TimeSpan.FromSeconds(30);

        Assert.Equal(Connectivity.Unknown, HeartbeatWatchdog.Evaluate(null, interval, seen));
        Assert.Equal(Connectivity.Online, HeartbeatWatchdog.Evaluate(seen, interval, seen + interval));
        Assert.Equal(Connectivity.Offline, HeartbeatWatchdog.Evaluate(seen, interval, seen + interval + TimeSpan.FromMilliseconds(1)));
        Assert.Equal(TimeSpan.FromMinutes(1), HeartbeatWatchdog.CheckPeriod(interval));
        Assert.Equal(TimeSpan.FromMinutes(5), HeartbeatWatchdog.CheckPeriod(TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void Signal_mode_flood_stage_and_gas_level_follow_the_newest_reading()
    {
        var t = DateTimeOffset.UtcNow;
        var flood = new DeviceDefinition("f", DeviceKind.FloodSensor, "Gauge", new GeoPoint(37.5, 126.9), "Yeouido", "p", TimeSpan.FromSeconds(60),
            FloodSensor: new FloodSensorSettings(0, 0.3, 0.6));

        var live = LiveStateRules.Apply(Signal, new LiveState(), new Reading(t, MetricCatalog.Mode, 1, "code"));
        var stage = LiveStateRules.Apply(flood, new LiveState(), LiveStateRules.Normalize(flood, new Reading(t, MetricCatalog.WaterLevel, 61, "cm"))!);

        Assert.Equal(SignalMode.Flash, live.SignalMode);
        Assert.True(LiveStateRules.IsMeaningfulChange(new LiveState(), live));
        Assert.Equal((FloodStage.Danger, 0.61), (stage.FloodStage!.Value, stage.WaterLevel!.Value));
        Assert.False(LiveStateRules.IsMeaningfulChange(stage, stage with { WaterLevel = 0.62 }));
    }
}
