using CityControl.Devices;
using CityControl.Rules.Devices;

namespace CityControl.Tests.Rules;

/// <summary>A river gauge's trend and its predicted time to the danger level, against hand calculations.</summary>
public sealed class FloodPredictionTests
{
    private static readonly FloodSensorSettings Gauge = new(0, 0.3, 0.6);
    private static readonly DateTimeOffset T0 = new(2026, 7, 15, 2, 0, 0, TimeSpan.Zero);

    private static IEnumerable<Reading> Rising(int minutes, double from, double perMinute) =>
        Enumerable.Range(0, minutes + 1).Select(m => new Reading(T0.AddMinutes(m), MetricCatalog.WaterLevel, from + perMinute * m, "m"));

    [Fact]
    public void Two_centimetres_a_minute_is_1_2_m_an_hour_and_from_0_34_m_the_danger_level_is_13_minutes_off()
    {
        // 0.02 m/min × 60 = 1.2 m/h; (0.6 - 0.34) m / 1.2 m/h = 0.2167 h = 13 min.
        var (rise, minutes) = FloodPrediction.Predict(Rising(12, 0.10, 0.02), Gauge, T0.AddMinutes(12));
        Assert.Equal(1.2, rise!.Value, 0.001);
        Assert.Equal(13, minutes!.Value, 0.05);
    }

    [Fact]
    public void Only_the_last_quarter_hour_counts_and_a_falling_or_steady_river_has_no_time_to_danger()
    {
        // An hour of a slow rise then a quarter hour of a steady level: steady now.
        var readings = Rising(60, 0.0, 0.004).Concat(Enumerable.Range(61, 15).Select(m => new Reading(T0.AddMinutes(m), MetricCatalog.WaterLevel, 0.24, "m")));
        var (rise, minutes) = FloodPrediction.Predict(readings, Gauge, T0.AddMinutes(75));
        Assert.Equal(0, rise!.Value, 0.001);
        Assert.Null(minutes);

        Assert.Null(FloodPrediction.Predict(Rising(10, 0.5, -0.01), Gauge, T0.AddMinutes(10)).MinutesToDanger);
        Assert.Equal((null, null), FloodPrediction.Predict(Rising(1, 0.1, 0.02), Gauge, T0.AddMinutes(1)));
    }

    [Fact]
    public void At_or_above_the_danger_level_the_time_to_danger_is_zero()
    {
        Assert.Equal(0, FloodPrediction.Predict(Rising(5, 0.55, 0.02), Gauge, T0.AddMinutes(5)).MinutesToDanger);
    }
}
