using CityControl.Incidents;

namespace CityControl.Rules.Incidents;

/// <summary>
/// An incident that nobody acknowledges rises one priority for every escalation step it waits, up to P1: a queue
/// that nobody works must not let a P3 look as calm at hour two as at minute one.
/// </summary>
public static class IncidentEscalation
{
    /// <summary>Whole escalation steps between the opening and <paramref name="now"/>.</summary>
    public static int StepsWaited(DateTimeOffset openedAt, DateTimeOffset now, TimeSpan step) =>
        now <= openedAt ? 0 : (int)Math.Min(int.MaxValue, (now - openedAt) / step);

    /// <summary>The priority after rising <paramref name="steps"/> levels, never above P1.</summary>
    public static Priority Raise(Priority priority, int steps) =>
        (Priority)Math.Max((int)Priority.P1, (int)priority - Math.Max(0, steps));

    public static string Describe(Priority from, Priority to, TimeSpan waited) =>
        $"{from} -> {to}: not acknowledged for " + (waited >= TimeSpan.FromMinutes(1) ? $"{(int)waited.TotalMinutes} min" : $"{(int)waited.TotalSeconds} s");
}
