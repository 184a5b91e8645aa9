using CityControl.Rules.Traffic;
using CityControl.Testing;

namespace CityControl.Tests.Rules;

/// <summary>
/// Utah DOT's real hi-res logs of signal 7115 (Redwood Road and 7000 South) and three raw Econolite controller files.
/// The expected figures were counted from the same files by a separate script (Python's csv and struct modules), not
/// by this code: per channel and per quarter hour for volumes, begin-green to green-termination for green times, and
/// the 4-byte records after the seven header lines for the raw files.
/// </summary>
public sealed class ControllerEventLogTests
{
    private static ControllerLog Csv(string name) => ControllerEventLogReader.ReadCsv(File.ReadAllText(RepoPaths.Data("traffic", "udot-atspm", name)));

    private static ControllerLog Dat(string name) => ControllerEventLogReader.Read(File.ReadAllBytes(RepoPaths.Data("traffic", "udot-atspm", "raw-econolite-dat", name)));

    [Fact]
    public void Approach_volumes_of_the_morning_peak_match_a_count_of_the_same_rows()
    {
        var log = Csv("ApproachVolumeTestLogs.csv");
        Dictionary<int, string> approaches = new() { [2] = "NB", [6] = "SB" }; // the advance count detectors of phases 2 and 6

        Assert.Empty(log.Problems);
        Assert.Equal(5747, log.Events.Length);
        Assert.Equal(new Dictionary<int, int> { [2] = 4070, [6] = 1677 }, SignalLogAnalysis.DetectorCounts(log.Events, DateTime.MinValue, DateTime.MaxValue));
        var quarters = SignalLogAnalysis.ApproachVolumes(log.Events, approaches, TimeSpan.FromMinutes(15));
        int[] nb = [576, 604, 477, 487, 479, 436, 531, 479];
        int[] sb = [181, 220, 217, 271, 207, 176, 173, 232];
        for (var q = 0; q < 8; q++)
        {
            var from = new DateTime(2023, 4, 17, 8, 0, 0).AddMinutes(15 * q);
            Assert.Equal(nb[q], Assert.Single(quarters, c => c.From == from && c.Approach == "NB").Vehicles);
            Assert.Equal(sb[q], Assert.Single(quarters, c => c.From == from && c.Approach == "SB").Vehicles);
        }

        // The hour 08:00-09:00: 2,144 northbound and 889 southbound.
        Assert.Equal((2144, 889), (nb[..4].Sum(), sb[..4].Sum()));
        Assert.Equal(2144, SignalLogAnalysis.DetectorCounts(log.Events, new(2023, 4, 17, 8, 0, 0), new(2023, 4, 17, 9, 0, 0))[2]);
    }

    [Fact]
    public void Green_time_per_phase_of_an_evening_hour_matches_a_count_of_the_same_rows()
    {
        var log = Csv("7115TerminationData.csv");
        var hour = SignalLogAnalysis.PhaseGreens(log.Events, new(2023, 4, 17, 19, 0, 0), new(2023, 4, 17, 20, 0, 0));

        Assert.Empty(log.Problems);
        Assert.Equal(1611, log.Events.Length);
        var phase2 = Assert.Single(hour, p => p.Phase == 2);
        var phase4 = Assert.Single(hour, p => p.Phase == 4);
        Assert.Equal((31, 2274.8, 0, 0, 31), (phase2.Greens, Math.Round(phase2.GreenTime.TotalSeconds, 1), phase2.GapOuts, phase2.MaxOuts, phase2.ForceOffs));
        Assert.Equal((31, 663.1, 30, 0, 1), (phase4.Greens, Math.Round(phase4.GreenTime.TotalSeconds, 1), phase4.GapOuts, phase4.MaxOuts, phase4.ForceOffs));
    }

    [Fact]
    public void Both_csv_forms_are_read_header_or_not_with_a_byte_order_mark_and_seven_digit_fractions()
    {
        var june = Csv("7115June5202282Events.csv");
        var plans = Csv("7115Oct22PlanLogs.csv");

        Assert.Empty(june.Problems);
        Assert.Equal(1000, june.Events.Length);
        Assert.Equal(new ControllerEvent(new DateTime(2022, 6, 5, 0, 0, 2).AddMilliseconds(200), 82, 2), june.Events[1]);
        Assert.Equal(291, plans.Events.Length);
        Assert.All(plans.Events, e => Assert.Equal(IndianaCodes.CoordPatternChange, e.Code));
    }

    [Theory]
    [InlineData("4895_ECON_controllerB_2024_02_21_1115.dat", 1914, "2024-02-21T11:15:00", new[] { 1, 2, 3, 4, 5, 6, 7, 8 }, "2024-02-21T11:15:01", 81, 29, "2024-02-21T11:28:41.6", 307, 71)]
    [InlineData("ECON_controllerA_2024_07_22_1332.dat", 765, "2024-07-22T13:32:11.3", new[] { 2, 4, 6, 8 }, "2024-07-22T13:32:15.8", 22, 4, "2024-07-22T13:44:54", 0, 42)]
    [InlineData("ECON_controllerC_2024_02_21_1115.dat", 1168, "2024-02-21T11:15:00", new[] { 2, 3, 4, 5, 6 }, "2024-02-21T11:15:02.2", 10, 2, "2024-02-21T11:28:15.4", 104, 46)]
    public void Raw_econolite_files_decode_to_every_record(string file, int records, string start, int[] phases, string firstAt, int firstCode, int firstParameter, string lastAt, int detectorOns, int greens)
    {
        var log = Dat(file);

        Assert.Empty(log.Problems);
        Assert.Equal(records, log.Events.Length);
        Assert.Equal(DateTime.Parse(start, System.Globalization.CultureInfo.InvariantCulture), log.Start);
        Assert.Equal(phases, log.PhasesInUse);
        Assert.Equal(new ControllerEvent(DateTime.Parse(firstAt, System.Globalization.CultureInfo.InvariantCulture), firstCode, firstParameter), log.Events[0]);
        Assert.Equal(DateTime.Parse(lastAt, System.Globalization.CultureInfo.InvariantCulture), log.Events[^1].At);
        Assert.Equal(detectorOns, log.Events.Count(e => e.Code == IndianaCodes.DetectorOn));
        Assert.Equal(greens, log.Events.Count(e => e.Code == IndianaCodes.PhaseBeginGreen));
        // Every phase that went green is one the header says is in use.
        Assert.All(log.Events.Where(e => e.Code == IndianaCodes.PhaseBeginGreen), e => Assert.Contains(e.Parameter, phases));
    }

    [Fact]
    public void A_replayed_log_becomes_phase_volume_and_occupancy_readings_of_the_signal()
    {
        var log = Dat("4895_ECON_controllerB_2024_02_21_1115.dat");
        Dictionary<int, string> approaches = new() { [29] = "SB", [31] = "SB", [17] = "NB", [18] = "NB" };

        var readings = SignalLogAnalysis.Readings(log, approaches, TimeSpan.FromMinutes(1));

        // 71 begin-greens at 39 moments: phases that begin together (both rings) are one reading, ring 1's phase.
        var phases = readings.Where(r => r.Metric == "phase").ToList();
        Assert.Equal(39, phases.Count);
        Assert.Equal(2, phases[^1].Value); // phases 2 and 6 began green together last

        var volumes = readings.Where(r => r.Metric.StartsWith("volume.", StringComparison.Ordinal)).ToList();
        // 11:15 to 11:28: fourteen minutes, each approach reported every minute, quiet ones as 0.
        Assert.Equal(28, volumes.Count);
        Assert.Equal(73 + 78, volumes.Where(r => r.Metric == "volume.SB").Sum(r => r.Value));
        Assert.Equal(8 + 23, volumes.Where(r => r.Metric == "volume.NB").Sum(r => r.Value));
        Assert.All(readings.Where(r => r.Metric.StartsWith("occupancy.", StringComparison.Ordinal)), r => Assert.InRange(r.Value, 0, 100));
        Assert.Contains(readings, r => r.Metric == "occupancy.SB" && r.Value > 0);
        Assert.Equal(readings.OrderBy(r => r.At), readings);
    }

    [Fact]
    public void Rows_that_cannot_be_read_are_named_by_line_and_field_and_the_rest_are_kept()
    {
        var log = ControllerEventLogReader.ReadCsv(
            "Location Id,Timestamp,Event Code,Event Parameter\n" +
            "7115,4/17/2023 8:00:0.20,82,2\n" +
            "7115,yesterday,82,2\n" +
            "7115,4/17/2023 8:00:1.0,-1,2\n" +
            "7115,4/17/2023 8:00:1.0,82,999\n" +
            "7116,4/17/2023 8:00:1.0,82,2\n" +
            "7115,4/17/2023 8:00:1.0\n" +
            "7115,\"4/17/2023 8:00:2.5\",82,6\n");

        Assert.Equal([new(new DateTime(2023, 4, 17, 8, 0, 0).AddMilliseconds(200), 82, 2), new(new DateTime(2023, 4, 17, 8, 0, 2).AddMilliseconds(500), 82, 6)], log.Events);
        Assert.Equal([(3, "timestamp"), (4, "code"), (5, "parameter"), (6, "location"), (7, "row")], log.Problems.Select(p => (p.Line, p.Field)));
    }

    [Fact]
    public void A_file_that_is_not_a_controller_log_is_refused_with_the_reason_and_never_throws()
    {
        var random = new Random(7115);
        for (var i = 0; i < 200; i++)
        {
            var bytes = new byte[random.Next(0, 400)];
            random.NextBytes(bytes);
            var log = ControllerEventLogReader.Read(bytes);
            Assert.True(log.Events.IsEmpty || log.Events.All(e => e.Code <= IndianaCodes.Max), "a random file gave events out of range");
        }

        var truncated = File.ReadAllBytes(RepoPaths.Data("traffic", "udot-atspm", "raw-econolite-dat", "ECON_controllerA_2024_07_22_1332.dat"))[..^2];
        var cut = ControllerEventLogReader.Read(truncated);
        Assert.Equal(764, cut.Events.Length);
        Assert.Equal("records", Assert.Single(cut.Problems).Field);
        Assert.Equal("header", Assert.Single(ControllerEventLogReader.ReadEconolite("2-21-2024 11:15:00.0,Version #:,3\nnothing else"u8).Problems).Field);
    }
}
