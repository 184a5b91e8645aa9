using CityControl.Alarms;
using CityControl.Devices;
using CityControl.Tests.Infrastructure;
using CityControl.Rules.Devices;
using CityControl.Rules.Alarms;

namespace CityControl.Tests.Domain;

/// <summary>The gas alarm rules against real series: set-points with deadband, exposure averages, sensor faults.</summary>
public sealed class GasAlarmRuleTests
{
    private static readonly DeviceDefinition CoStation = new(
        "co-1", DeviceKind.GasSensor, "Road-level CO analyser", new GeoPoint(40.85, 14.27), "Test", "road", TimeSpan.FromHours(2),
        GasSensor: new GasSensorSettings("CO", "mg/m3", Low: 5, High: 8, Twa: 3.5, Stel: null));

    [Fact]
    public void The_Low_alarm_on_real_CO_starts_and_clears_where_the_series_crosses_with_deadband()
    {
        var state = new AlarmRuleState();
        var transitions = GasData.HourlyCo()
            .Where(s => s.Co is not null)
            .SelectMany(s => AlarmRules.Apply(CoStation, state, new Reading(s.At, MetricCatalog.Concentration, s.Co!.Value, "mg/m3")))
            .Where(t => t.Condition == AlarmCondition.GasLow)
            .ToList();

        // Read off the file: 11/03/2004 18:00 4.8, 19:00 6.9, 20:00 6.1, 21:00 3.9 mg/m3.
        Assert.Equal((new DateTimeOffset(2004, 3, 11, 19, 0, 0, TimeSpan.Zero), true, 6.9), (transitions[0].At, transitions[0].Active, transitions[0].Value!.Value));
        Assert.Equal((new DateTimeOffset(2004, 3, 11, 21, 0, 0, TimeSpan.Zero), false, 3.9), (transitions[1].At, transitions[1].Active, transitions[1].Value!.Value));

        // The whole year, stated directly: raise at or above 5, clear only below 4.75 (5 % deadband).
        var expected = new List<(DateTimeOffset, bool)>();
        var active = false;
        foreach (var (at, co) in GasData.HourlyCo().Where(s => s.Co is not null))
        {
            if (!active && co >= 5)
            {
                active = true;
                expected.Add((at, true));
            }
            else if (active && co < 4.75)
            {
                active = false;
                expected.Add((at, false));
            }
        }

        Assert.Equal(expected, transitions.Select(t => (t.At, t.Active)));
        Assert.True(expected.Count > 100, $"only {expected.Count} transitions");
    }

    [Fact]
    public void A_value_inside_the_deadband_does_not_chatter_and_delay_on_waits()
    {
        var device = CoStation with { GasSensor = CoStation.GasSensor! with { DelayOnSeconds = 120 } };
        var state = new AlarmRuleState();
        var t0 = new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);
        double[] values = [5.2, 5.3, 5.1, 4.9, 4.8, 5.0, 4.7, 4.9];

        var transitions = values
            .Select((v, i) => AlarmRules.Apply(device, state, new Reading(t0.AddMinutes(i), MetricCatalog.Concentration, v, "mg/m3")))
            .Select((changes, i) => (i, changes.Where(c => c.Condition == AlarmCondition.GasLow).Select(c => c.Active).ToArray()))
            .Where(x => x.Item2.Length > 0)
            .ToList();

        // Above 5 from minute 0; raised at minute 2 (after the 120 s delay); 4.9 and 4.8 sit in the deadband; cleared at 4.7.
        Assert.Equal([(2, true), (6, false)], transitions.Select(t => (t.i, t.Item2.Single())));
    }

    [Fact]
    public void The_8_hour_TWA_of_real_hourly_CO_is_the_direct_average_of_the_last_eight_hours()
    {
        var stretch = GasData.LongestCompleteCoStretch();
        var window = new ExposureWindow();

        for (var k = 0; k < stretch.Count; k++)
        {
            window.Add(stretch[k].At, stretch[k].Co, AlarmRules.TwaWindow);
            var twa = window.Average(stretch[k].At, AlarmRules.TwaWindow);
            var stel = window.Average(stretch[k].At, AlarmRules.StelWindow);

            // Each hourly value is the exposure for the hour after it; hours before the first reading count as zero.
            var direct = Enumerable.Range(k - 8, 8).Sum(i => i >= 0 ? stretch[i].Co : 0) / 8;
            Assert.Equal(direct, twa, 9);
            Assert.Equal(k == 0 ? 0 : stretch[k - 1].Co, stel, 9);
        }

        Assert.True(stretch.Count > 48, $"stretch of {stretch.Count} hours");
    }

    [Fact]
    public void The_15_minute_STEL_of_a_real_one_hertz_series_is_the_direct_average_of_the_last_900_samples()
    {
        // The MQ-2 channel as if sampled once a second: NoGas, then the perfume release.
        var series = GasData.MetalOxideArray().Take(3200).Select(r => (double)r.Mq2).ToArray();
        var t0 = new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);
        var window = new ExposureWindow();

        for (var k = 0; k < series.Length; k++)
        {
            var at = t0.AddSeconds(k);
            window.Add(at, series[k], AlarmRules.TwaWindow);
            var stel = window.Average(at, AlarmRules.StelWindow);
            var direct = Enumerable.Range(k - 900, 900).Sum(i => i >= 0 ? series[i] : 0) / 900;
            Assert.Equal(direct, stel, 6);
        }
    }

    [Fact]
    public void A_device_reporting_ten_times_a_second_keeps_at_most_one_exposure_entry_a_second()
    {
        var window = new ExposureWindow();
        var t0 = new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

        for (var i = 0; i < 10 * 60 * 20; i++)
        {
            window.Add(t0.AddMilliseconds(i * 100), 10, AlarmRules.TwaWindow);
        }

        Assert.InRange(window.Times.Count, 900, 902);
        Assert.InRange(window.Bins.Count, 20, 21);
        Assert.Equal(10, window.Average(t0.AddMinutes(20), AlarmRules.StelWindow), 6);
    }

    [Fact]
    public void The_TWA_alarm_on_real_CO_rises_where_the_direct_average_first_reaches_its_limit()
    {
        var stretch = GasData.LongestCompleteCoStretch();
        double DirectTwa(int k) => Enumerable.Range(k - 8, 8).Sum(i => i >= 0 ? stretch[i].Co : 0) / 8;

        // A limit the stretch reaches once it has built up some exposure: 90 % of its highest 8-hour average.
        var limit = Math.Round(0.9 * Enumerable.Range(0, stretch.Count).Max(DirectTwa), 2);
        var device = CoStation with { GasSensor = CoStation.GasSensor! with { Twa = limit } };
        var state = new AlarmRuleState();

        var raised = stretch
            .SelectMany(s => AlarmRules.Apply(device, state, new Reading(s.At, MetricCatalog.Concentration, s.Co, "mg/m3")))
            .First(t => t.Condition == AlarmCondition.GasTwa && t.Active);
        var firstOver = Enumerable.Range(0, stretch.Count).First(k => DirectTwa(k) >= limit);

        Assert.Equal(stretch[firstOver].At, raised.At);
    }

    [Fact]
    public void A_real_series_that_freezes_raises_a_flatline_fault_after_the_window_and_not_before()
    {
        var device = CoStation with { GasSensor = new GasSensorSettings("CH4", "ppm", 5000, 10000, null, null, FullScale: 50000, FlatlineMinutes: 30) };
        var series = GasData.MetalOxideArray().Take(1600).Select(r => (double)r.Mq2).ToList();
        var frozenAt = series.Count;
        series.AddRange(Enumerable.Repeat(series[^1], 3600));
        var t0 = new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);
        var state = new AlarmRuleState();

        var faults = series
            .SelectMany((v, k) => AlarmRules.Apply(device, state, new Reading(t0.AddSeconds(k), MetricCatalog.Concentration, v, "ppm")))
            .Where(t => t.Condition == AlarmCondition.SensorFlatline)
            .ToList();

        // The real readings move at least every few seconds; the frozen stretch starts at the last real value.
        var lastChange = series.FindLastIndex(frozenAt - 1, v => v != series[^1]) + 1;
        var fault = Assert.Single(faults);
        Assert.True(fault.Active);
        Assert.Equal(t0.AddSeconds(lastChange) + TimeSpan.FromMinutes(30), fault.At);
    }

    [Fact]
    public void Readings_beyond_the_sensors_range_are_a_fault_not_an_exposure()
    {
        var device = CoStation with { GasSensor = CoStation.GasSensor! with { FullScale = 100 } };
        var state = new AlarmRuleState();
        var t0 = DateTimeOffset.UtcNow;

        var changes = new[] { 2.0, 250.0, 2.0 }
            .Select((v, i) => AlarmRules.Apply(device, state, new Reading(t0.AddMinutes(i), MetricCatalog.Concentration, v, "mg/m3")))
            .ToList();

        Assert.Contains(changes[1], c => c is { Condition: AlarmCondition.SensorOutOfRange, Active: true });
        Assert.DoesNotContain(changes[1], c => c.Condition == AlarmCondition.GasTwa);
        Assert.Contains(changes[2], c => c is { Condition: AlarmCondition.SensorOutOfRange, Active: false });
    }
}
