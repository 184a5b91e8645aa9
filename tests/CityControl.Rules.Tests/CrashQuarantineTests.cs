using CityControl.Rules.Video;

namespace CityControl.Tests.Rules;

public sealed class CrashQuarantineTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 1, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_camera_is_a_suspect_when_its_worker_is_lost_and_each_crashing_probe_doubles_its_quarantine_up_to_a_day()
    {
        var suspect = CrashQuarantine.WorkerLost(null, "worker-a", Now);
        Assert.True(suspect.NeedsProbe);
        Assert.False(suspect.IsQuarantined(Now));

        // Lost again with another worker: still a suspect since the first loss.
        Assert.Equal(Now, CrashQuarantine.WorkerLost(suspect, "worker-b", Now.AddMinutes(1)).SuspectSince);

        var record = suspect;
        var quarantines = new List<TimeSpan>();
        for (var i = 0; i < 9; i++)
        {
            record = CrashQuarantine.ProbeCrashed(record, "signal 11", Now);
            quarantines.Add(record.QuarantinedUntil!.Value - Now);
            Assert.True(record.NeedsProbe, "probed again when the quarantine ends");
        }

        Assert.Equal([15, 30, 60, 120, 240, 480, 960, 1440, 1440], quarantines.Select(q => q.TotalMinutes));
        Assert.True(record.IsQuarantined(Now.AddHours(23)));
        Assert.False(record.IsQuarantined(Now.AddHours(24)));
        Assert.Equal(9, record.ProbeCrashes);

        // A probe that passes, or a new address, forgets all of it.
        Assert.Null(CrashQuarantine.ProbePassed(record));
        Assert.Null(CrashQuarantine.SourceChanged(record));
    }
}
