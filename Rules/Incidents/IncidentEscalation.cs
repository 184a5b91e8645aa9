using System.Globalization;
using CityControl.Incidents;

namespace CityControl.Rules.Incidents;

/// <summary>
/// An incident that nobody acknowledges rises one priority for every escalation step it waits, up to P1: a queue
/// that nobody works must not let a P3 look as calm at hour two as at minute one.
/// </summary>
public static class IncidentEscalation
{
    /// <summary>How much of the time up to <paramref name="now"/> the spans cover (overlaps counted once).</summary>
    public static TimeSpan Paused(IEnumerable<(DateTimeOffset From, DateTimeOffset Until)> spans, DateTimeOffset now)
    {
        var total = TimeSpan.Zero;
        DateTimeOffset? coveredTo = null;
        foreach (var (from, until) in spans.OrderBy(x => x.From))
        {
            var start = coveredTo is { } c && c > from ? c : from;
            var end = until < now ? until : now;
            if (end > start)
            {
                total += end - start;
                coveredTo = end;
            }
        }

        return total;
    }

    /// <summary>Whole escalation steps between the opening and <paramref name="now"/>.</summary>
    public static int StepsWaited(DateTimeOffset openedAt, DateTimeOffset now, TimeSpan step) =>
        now <= openedAt ? 0 : (int)Math.Min(int.MaxValue, (now - openedAt) / step);

    /// <summary>The priority after rising <paramref name="steps"/> levels, never above P1.</summary>
    public static Priority Raise(Priority priority, int steps) =>
        (Priority)Math.Max((int)Priority.P1, (int)priority - Math.Max(0, steps));

    public static Phrase Describe(Priority from, Priority to, TimeSpan waited) => waited >= TimeSpan.FromMinutes(1)
        ? Phrases.Say("incident.escalatedMinutes", from.ToString(), to.ToString(), ((int)waited.TotalMinutes).ToString(CultureInfo.InvariantCulture))
        : Phrases.Say("incident.escalatedSeconds", from.ToString(), to.ToString(), ((int)waited.TotalSeconds).ToString(CultureInfo.InvariantCulture));
}
