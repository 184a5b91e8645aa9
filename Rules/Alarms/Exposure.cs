using CityControl.Alarms;

namespace CityControl.Rules.Alarms;

/// <summary>
/// Time-weighted averages over sliding windows, as occupational exposure limits define them (TWA over 8 h, STEL over
/// 15 min): a reading counts from its time until the next reading (at most <see cref="MaxHold"/>), time without data
/// counts as zero exposure, and the sum of concentration x time is divided by the whole window.
/// The last <see cref="ExactSpan"/> is kept reading by reading (at most one a second), so averages over it are exact
/// for readings a second or more apart; older exposure is kept
/// in one-minute bins, so memory stays bounded whatever the reporting rate, and longer averages are exact whenever
/// the window starts on a whole minute (otherwise the first minute is prorated).
/// </summary>
public static class Exposure
{
    public static readonly TimeSpan MaxHold = TimeSpan.FromHours(2);
    public static readonly TimeSpan ExactSpan = TimeSpan.FromMinutes(15);
    private const long BinSeconds = 60;

    /// <summary>Adds a reading in time order; <paramref name="longest"/> is the longest window that will be asked of this instance.</summary>
    public static void Add(this ExposureWindow w, DateTimeOffset at, double value, TimeSpan longest)
    {
        if (w.Times.Count > 0)
        {
            if (at <= w.Times[^1])
            {
                return;
            }

            var last = w.Times[^1];
            var heldUntil = at - last > MaxHold ? last + MaxHold : at;
            Accumulate(w, Seconds(last), Seconds(heldUntil), w.Values[^1]);

            // Readings closer than a second apart are kept as one, the newest value from the first time: the exact
            // span holds at most one entry a second whatever a device sends.
            if (at - last < TimeSpan.FromSeconds(1))
            {
                w.Values[^1] = value;
                return;
            }
        }

        w.Times.Add(at);
        w.Values.Add(value);
        Prune(w, at, longest);
    }

    public static double Average(this ExposureWindow w, DateTimeOffset at, TimeSpan window) =>
        (window <= ExactSpan ? ExactIntegral(w, at, window) : BinnedIntegral(w, at, window)) / window.TotalSeconds;

    private static double ExactIntegral(ExposureWindow w, DateTimeOffset at, TimeSpan window)
    {
        var start = at - window;
        var sum = 0.0;
        for (var i = 0; i < w.Times.Count; i++)
        {
            var from = w.Times[i] > start ? w.Times[i] : start;
            var next = i + 1 < w.Times.Count ? w.Times[i + 1] : at;
            var until = Min(Min(next, at), w.Times[i] + MaxHold);
            if (until > from)
            {
                sum += w.Values[i] * (until - from).TotalSeconds;
            }
        }

        return sum;
    }

    private static double BinnedIntegral(ExposureWindow w, DateTimeOffset at, TimeSpan window)
    {
        var end = Seconds(at);
        var start = end - window.TotalSeconds;
        var sum = 0.0;
        for (var i = 0; i < w.Bins.Count; i++)
        {
            var binStart = w.Bins[i] * BinSeconds;
            var binEnd = binStart + BinSeconds;
            var overlap = Math.Min(binEnd, end) - Math.Max(binStart, start);
            if (overlap > 0)
            {
                // Bins hold exposure only up to now: the bin in progress counts whole.
                sum += w.Integrals[i] * Math.Min(1, overlap / (Math.Min(binEnd, end) - binStart));
            }
        }

        return sum;
    }

    private static void Accumulate(ExposureWindow w, double from, double to, double value)
    {
        var t = from;
        while (t < to)
        {
            var bin = (long)Math.Floor(t / BinSeconds);
            var until = Math.Min(to, (bin + 1) * BinSeconds);
            if (w.Bins.Count == 0 || w.Bins[^1] != bin)
            {
                w.Bins.Add(bin);
                w.Integrals.Add(0);
            }

            w.Integrals[^1] += value * (until - t);
            t = until;
        }
    }

    private static void Prune(ExposureWindow w, DateTimeOffset at, TimeSpan longest)
    {
        var oldestBin = (long)Math.Floor((Seconds(at) - longest.TotalSeconds) / BinSeconds) - 1;
        var bins = 0;
        while (bins < w.Bins.Count && w.Bins[bins] < oldestBin)
        {
            bins++;
        }

        w.Bins.RemoveRange(0, bins);
        w.Integrals.RemoveRange(0, bins);

        // Keep the reading that was current when the exact span began.
        var readings = 0;
        while (readings + 1 < w.Times.Count && w.Times[readings + 1] <= at - ExactSpan)
        {
            readings++;
        }

        w.Times.RemoveRange(0, readings);
        w.Values.RemoveRange(0, readings);
    }

    private static double Seconds(DateTimeOffset t) => t.ToUnixTimeMilliseconds() / 1000.0;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
