namespace CityControl.Alarms;

/// <summary>
/// Time-weighted averages over sliding windows, as occupational exposure limits define them (TWA over 8 h, STEL over
/// 15 min): a reading counts from its time until the next reading (at most <see cref="MaxHold"/>), time without data
/// counts as zero exposure, and the sum of concentration x time is divided by the whole window.
/// The last <see cref="ExactSpan"/> is kept reading by reading (at most one a second), so averages over it are exact
/// for readings a second or more apart; older exposure is kept
/// in one-minute bins, so memory stays bounded whatever the reporting rate, and longer averages are exact whenever
/// the window starts on a whole minute (otherwise the first minute is prorated).
/// </summary>
[GenerateSerializer, Alias("citycontrol.exposure-window.v1")]
public sealed class ExposureWindow
{
    public static readonly TimeSpan MaxHold = TimeSpan.FromHours(2);
    public static readonly TimeSpan ExactSpan = TimeSpan.FromMinutes(15);
    private const long BinSeconds = 60;

    [Id(0)] public List<long> Bins { get; set; } = [];
    [Id(1)] public List<double> Integrals { get; set; } = [];
    [Id(2)] public List<DateTimeOffset> Times { get; set; } = [];
    [Id(3)] public List<double> Values { get; set; } = [];

    /// <summary>Adds a reading in time order; <paramref name="longest"/> is the longest window that will be asked of this instance.</summary>
    public void Add(DateTimeOffset at, double value, TimeSpan longest)
    {
        if (Times.Count > 0)
        {
            if (at <= Times[^1])
            {
                return;
            }

            var last = Times[^1];
            var heldUntil = at - last > MaxHold ? last + MaxHold : at;
            Accumulate(Seconds(last), Seconds(heldUntil), Values[^1]);

            // Readings closer than a second apart are kept as one, the newest value from the first time: the exact
            // span holds at most one entry a second whatever a device sends.
            if (at - last < TimeSpan.FromSeconds(1))
            {
                Values[^1] = value;
                return;
            }
        }

        Times.Add(at);
        Values.Add(value);
        Prune(at, longest);
    }

    public double Average(DateTimeOffset at, TimeSpan window) =>
        (window <= ExactSpan ? ExactIntegral(at, window) : BinnedIntegral(at, window)) / window.TotalSeconds;

    private double ExactIntegral(DateTimeOffset at, TimeSpan window)
    {
        var start = at - window;
        var sum = 0.0;
        for (var i = 0; i < Times.Count; i++)
        {
            var from = Times[i] > start ? Times[i] : start;
            var next = i + 1 < Times.Count ? Times[i + 1] : at;
            var until = Min(Min(next, at), Times[i] + MaxHold);
            if (until > from)
            {
                sum += Values[i] * (until - from).TotalSeconds;
            }
        }

        return sum;
    }

    private double BinnedIntegral(DateTimeOffset at, TimeSpan window)
    {
        var end = Seconds(at);
        var start = end - window.TotalSeconds;
        var sum = 0.0;
        for (var i = 0; i < Bins.Count; i++)
        {
            var binStart = Bins[i] * BinSeconds;
            var binEnd = binStart + BinSeconds;
            var overlap = Math.Min(binEnd, end) - Math.Max(binStart, start);
            if (overlap > 0)
            {
                // Bins hold exposure only up to now: the bin in progress counts whole.
                sum += Integrals[i] * Math.Min(1, overlap / (Math.Min(binEnd, end) - binStart));
            }
        }

        return sum;
    }

    private void Accumulate(double from, double to, double value)
    {
        var t = from;
        while (t < to)
        {
            var bin = (long)Math.Floor(t / BinSeconds);
            var until = Math.Min(to, (bin + 1) * BinSeconds);
            if (Bins.Count == 0 || Bins[^1] != bin)
            {
                Bins.Add(bin);
                Integrals.Add(0);
            }

            Integrals[^1] += value * (until - t);
            t = until;
        }
    }

    private void Prune(DateTimeOffset at, TimeSpan longest)
    {
        var oldestBin = (long)Math.Floor((Seconds(at) - longest.TotalSeconds) / BinSeconds) - 1;
        var bins = 0;
        while (bins < Bins.Count && Bins[bins] < oldestBin)
        {
            bins++;
        }

        Bins.RemoveRange(0, bins);
        Integrals.RemoveRange(0, bins);

        // Keep the reading that was current when the exact span began.
        var readings = 0;
        while (readings + 1 < Times.Count && Times[readings + 1] <= at - ExactSpan)
        {
            readings++;
        }

        Times.RemoveRange(0, readings);
        Values.RemoveRange(0, readings);
    }

    private static double Seconds(DateTimeOffset t) => t.ToUnixTimeMilliseconds() / 1000.0;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
