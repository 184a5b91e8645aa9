namespace CityControl.Rules.Video;

/// <summary>
/// What the platform knows of a camera whose video worker died while running it: a suspect until a test run in a
/// process of its own (a probe) shows that its source does not crash the analysis; quarantined, out of every worker's
/// share, for a while that doubles with each crashing probe.
/// </summary>
public sealed record CameraCrashRecord(
    DateTimeOffset? SuspectSince,
    string? LostWorker,
    int ProbeCrashes,
    DateTimeOffset? QuarantinedUntil,
    string? Reason)
{
    /// <summary>Whether a worker must probe the camera before it runs it in its own process.</summary>
    public bool NeedsProbe => SuspectSince is not null;

    public bool IsQuarantined(DateTimeOffset now) => QuarantinedUntil is { } until && until > now;
}

public static class CrashQuarantine
{
    /// <summary>The first quarantine; each further crashing probe doubles it, up to <see cref="LongestQuarantine"/>.</summary>
    public static readonly TimeSpan FirstQuarantine = TimeSpan.FromMinutes(15);

    public static readonly TimeSpan LongestQuarantine = TimeSpan.FromHours(24);

    /// <summary>
    /// The camera's worker stopped answering while running it (a crash, a kill, a lost machine: the platform cannot
    /// tell which): the camera is a suspect. A clean stop (the worker unregistered) makes none.
    /// </summary>
    public static CameraCrashRecord WorkerLost(CameraCrashRecord? record, string worker, DateTimeOffset now) =>
        (record ?? new CameraCrashRecord(null, null, 0, null, null)) with { SuspectSince = record?.SuspectSince ?? now, LostWorker = worker };

    /// <summary>The probe ran the camera's source through the analysis and its process lived: the camera runs again as any other.</summary>
    public static CameraCrashRecord? ProbePassed(CameraCrashRecord? record) => null;

    /// <summary>The probe's process crashed on the camera's source: quarantined, longer each time, and probed again when it ends.</summary>
    public static CameraCrashRecord ProbeCrashed(CameraCrashRecord? record, string detail, DateTimeOffset now)
    {
        var crashes = (record?.ProbeCrashes ?? 0) + 1;
        var ticks = Math.Min(LongestQuarantine.Ticks, FirstQuarantine.Ticks * (1L << Math.Min(crashes - 1, 20)));
        return new CameraCrashRecord(record?.SuspectSince ?? now, record?.LostWorker, crashes, now + TimeSpan.FromTicks(ticks), detail);
    }

    /// <summary>The camera's source changed (an admin fixed its address): what was held against the old one goes.</summary>
    public static CameraCrashRecord? SourceChanged(CameraCrashRecord? record) => null;
}
