using System.Collections.Immutable;
using System.Globalization;
using CityControl.Rules.Devices;

namespace CityControl.Rules.Traffic;

/// <summary>One phase's service over a stretch of log: how often and how long it was green, and how each green ended.</summary>
public sealed record PhaseService(int Phase, int Greens, TimeSpan GreenTime, int GapOuts, int MaxOuts, int ForceOffs)
{
    public TimeSpan AverageGreen => Greens == 0 ? TimeSpan.Zero : GreenTime / Greens;
}

/// <summary>Vehicles counted on one approach in one interval (detector-on events of the approach's count detectors).</summary>
public sealed record ApproachCount(DateTime From, string Approach, int Vehicles);

/// <summary>A reading for the signal's device, as the ingest path takes it.</summary>
public sealed record SignalLogReading(DateTime At, string Metric, double Value, string Unit);

/// <summary>
/// What a traffic engineer reads off a controller's hi-res log: per-phase green time and terminations, per-approach
/// volumes, and the readings that replay the log into the signal's live state.
/// </summary>
public static class SignalLogAnalysis
{
    /// <summary>
    /// Each phase's greens that began in [from, to): from its begin-green (code 1) to its green termination (code 7).
    /// A green whose end is not in the log is not counted.
    /// </summary>
    public static IReadOnlyList<PhaseService> PhaseGreens(IEnumerable<ControllerEvent> events, DateTime from, DateTime to)
    {
        var began = new Dictionary<int, DateTime>();
        var services = new SortedDictionary<int, PhaseService>();
        PhaseService Of(int phase) => services.TryGetValue(phase, out var s) ? s : services[phase] = new PhaseService(phase, 0, TimeSpan.Zero, 0, 0, 0);

        foreach (var e in events)
        {
            switch (e.Code)
            {
                case IndianaCodes.PhaseBeginGreen:
                    began[e.Parameter] = e.At;
                    break;
                case IndianaCodes.PhaseGreenTermination when began.Remove(e.Parameter, out var start) && start >= from && start < to:
                    var s = Of(e.Parameter);
                    services[e.Parameter] = s with { Greens = s.Greens + 1, GreenTime = s.GreenTime + (e.At - start) };
                    break;
                case IndianaCodes.PhaseGapOut or IndianaCodes.PhaseMaxOut or IndianaCodes.PhaseForceOff
                    when began.TryGetValue(e.Parameter, out var greenSince) && greenSince >= from && greenSince < to:
                    var t = Of(e.Parameter);
                    services[e.Parameter] = e.Code switch
                    {
                        IndianaCodes.PhaseGapOut => t with { GapOuts = t.GapOuts + 1 },
                        IndianaCodes.PhaseMaxOut => t with { MaxOuts = t.MaxOuts + 1 },
                        _ => t with { ForceOffs = t.ForceOffs + 1 },
                    };
                    break;
            }
        }

        return [.. services.Values];
    }

    /// <summary>Detector-on events per channel in [from, to).</summary>
    public static IReadOnlyDictionary<int, int> DetectorCounts(IEnumerable<ControllerEvent> events, DateTime from, DateTime to) =>
        events.Where(e => e.Code == IndianaCodes.DetectorOn && e.At >= from && e.At < to)
            .GroupBy(e => e.Parameter).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>
    /// Vehicles per approach per interval, from the count detectors mapped to approaches (channel to approach); the
    /// intervals are aligned to whole multiples of <paramref name="interval"/> in controller time.
    /// </summary>
    public static IReadOnlyList<ApproachCount> ApproachVolumes(IEnumerable<ControllerEvent> events, IReadOnlyDictionary<int, string> approaches, TimeSpan interval) =>
        [.. events.Where(e => e.Code == IndianaCodes.DetectorOn && approaches.ContainsKey(e.Parameter))
            .GroupBy(e => (From: Floor(e.At, interval), Approach: approaches[e.Parameter]))
            .OrderBy(g => g.Key.From).ThenBy(g => g.Key.Approach, StringComparer.Ordinal)
            .Select(g => new ApproachCount(g.Key.From, g.Key.Approach, g.Count()))];

    /// <summary>"2:NB,6:SB" as channel to approach; null when any pair breaks the rule. Empty or absent: no volumes, phases only.</summary>
    public static Dictionary<int, string>? ParseDetectors(string? text)
    {
        var map = new Dictionary<int, string>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return map;
        }

        foreach (var pair in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split(':', StringSplitOptions.TrimEntries);
            if (parts.Length != 2
                || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var channel) || channel is < 1 or > IndianaCodes.Max
                || MetricCatalog.Approaches.FirstOrDefault(a => string.Equals(a, parts[1], StringComparison.OrdinalIgnoreCase)) is not { } approach
                || !map.TryAdd(channel, approach))
            {
                return null;
            }
        }

        return map;
    }

    /// <summary>
    /// The log as readings of the signal's device: the phase each time one begins green (ring 1's when two begin
    /// together), and each approach's volume
    /// (and occupancy, where the log has detector-off events too) per interval, stamped at the interval's end.
    /// Intervals with no count are reported as 0 between the first and the last event, so a quiet minute reads as quiet.
    /// </summary>
    public static IReadOnlyList<SignalLogReading> Readings(ControllerLog log, IReadOnlyDictionary<int, string> approaches, TimeSpan interval)
    {
        // Phases that begin green together (one per ring of a dual-ring controller) are one reading: the lowest, ring 1's.
        var readings = log.Events.Where(e => e.Code == IndianaCodes.PhaseBeginGreen && e.Parameter is >= 1 and <= 40)
            .GroupBy(e => e.At)
            .Select(g => new SignalLogReading(g.Key, MetricCatalog.Phase, g.Min(e => e.Parameter), "phase"))
            .ToList();

        if (log.Events.IsEmpty || approaches.Count == 0)
        {
            return readings;
        }

        var counts = ApproachVolumes(log.Events, approaches, interval).ToDictionary(c => (c.From, c.Approach), c => c.Vehicles);
        var occupancy = Occupancy(log.Events, approaches, interval);
        var mapped = approaches.Values.Distinct().Where(MetricCatalog.Approaches.Contains).Order(StringComparer.Ordinal).ToList();
        for (var from = Floor(log.Events[0].At, interval); from <= log.Events[^1].At; from += interval)
        {
            foreach (var approach in mapped)
            {
                readings.Add(new(from + interval, MetricCatalog.OfApproach(MetricCatalog.Volume, approach), counts.GetValueOrDefault((from, approach)), "veh"));
                if (occupancy.TryGetValue((from, approach), out var percent))
                {
                    readings.Add(new(from + interval, MetricCatalog.OfApproach(MetricCatalog.Occupancy, approach), Math.Round(percent, 1), "%"));
                }
            }
        }

        return [.. readings.OrderBy(r => r.At)];
    }

    /// <summary>
    /// Percent of each interval that the approach's detectors were occupied (on to off), averaged over its detectors;
    /// only for approaches whose detectors log their off events.
    /// </summary>
    private static Dictionary<(DateTime From, string Approach), double> Occupancy(ImmutableArray<ControllerEvent> events, IReadOnlyDictionary<int, string> approaches, TimeSpan interval)
    {
        var onSince = new Dictionary<int, DateTime>();
        var occupied = new Dictionary<(DateTime From, int Channel), TimeSpan>();
        var reportsOff = new HashSet<int>();
        foreach (var e in events.Where(e => approaches.ContainsKey(e.Parameter)))
        {
            if (e.Code == IndianaCodes.DetectorOn)
            {
                onSince.TryAdd(e.Parameter, e.At);
            }
            else if (e.Code == IndianaCodes.DetectorOff && onSince.Remove(e.Parameter, out var on))
            {
                reportsOff.Add(e.Parameter);
                // An occupation that spans intervals counts in each, for the part inside it.
                for (var from = Floor(on, interval); from < e.At; from += interval)
                {
                    var part = (e.At < from + interval ? e.At : from + interval) - (on > from ? on : from);
                    occupied[(from, e.Parameter)] = occupied.GetValueOrDefault((from, e.Parameter)) + part;
                }
            }
        }

        return occupied
            .GroupBy(o => (o.Key.From, Approach: approaches[o.Key.Channel]))
            .ToDictionary(
                g => g.Key,
                g => Math.Min(100, 100 * g.Sum(o => o.Value.TotalSeconds) / interval.TotalSeconds / approaches.Count(a => a.Value == g.Key.Approach && reportsOff.Contains(a.Key))));
    }

    private static DateTime Floor(DateTime at, TimeSpan interval) => new(at.Ticks - at.Ticks % interval.Ticks, at.Kind);
}
