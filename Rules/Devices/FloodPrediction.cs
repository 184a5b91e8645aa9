using CityControl.Devices;

namespace CityControl.Rules.Devices;

/// <summary>
/// A river gauge's trend: the rate of rise fitted (least squares) to its last quarter hour of levels, and from it the
/// minutes until the danger level at that rate. What a riverside car park's barrier closes on.
/// </summary>
public static class FloodPrediction
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    public const int MinimumReadings = 3;

    /// <summary>
    /// Within this many minutes of danger every whole minute of the prediction is a live change (what a car park's lead
    /// time is weighed against); farther off only its bands are, so a noisy gauge far below danger sends no events.
    /// </summary>
    public const double WatchedMinutes = 180;

    /// <summary>What a gauge keeps for its prediction: the water levels of the last <see cref="Window"/> up to <paramref name="now"/>, in time order, each once.</summary>
    public static List<Reading> Keep(IEnumerable<Reading> levels, DateTimeOffset now) =>
        [.. levels.Where(r => r.Metric == MetricCatalog.WaterLevel && r.Timestamp > now - Window && r.Timestamp <= now)
            .DistinctBy(r => r.Timestamp).OrderBy(r => r.Timestamp)];

    /// <summary>The fitted rise (m/h; null with too few readings) and the minutes to danger (null when not rising, or already at danger: 0).</summary>
    public static (double? RisePerHour, double? MinutesToDanger) Predict(IEnumerable<Reading> levels, FloodSensorSettings settings, DateTimeOffset now)
    {
        var recent = levels.Where(r => r.Metric == MetricCatalog.WaterLevel && r.Timestamp > now - Window && r.Timestamp <= now)
            .OrderBy(r => r.Timestamp).ToList();
        if (recent.Count < MinimumReadings)
        {
            return (null, null);
        }

        var t0 = recent[0].Timestamp;
        var xs = recent.Select(r => (r.Timestamp - t0).TotalHours).ToList();
        var ys = recent.Select(r => r.Value).ToList();
        var (mx, my) = (xs.Average(), ys.Average());
        var sxx = xs.Sum(x => (x - mx) * (x - mx));
        if (sxx <= 0)
        {
            return (null, null);
        }

        var slope = xs.Zip(ys).Sum(p => (p.First - mx) * (p.Second - my)) / sxx;
        var level = recent[^1].Value;
        double? minutes = level >= settings.DangerLevel ? 0
            : slope > 0.001 ? Math.Round((settings.DangerLevel - level) / slope * 60, 1)
            : null;
        return (Math.Round(slope, 3), minutes);
    }

    /// <summary>Bands of the minutes to danger that are worth telling at once (the rest are shown, not written): none, over an hour, 30-60, 15-30, under 15.</summary>
    public static int Band(double? minutesToDanger) => minutesToDanger switch
    {
        null => 0,
        > 60 => 1,
        > 30 => 2,
        > 15 => 3,
        _ => 4,
    };
}
