using System.Net;
using CityControl.Rules.Traffic;
using CityControl.Simulator;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace CityControl.Tests.Api;

/// <summary>
/// A real controller's hi-res log (Utah DOT's raw Econolite .dat) replayed as a signal's live readings, paced as the
/// controller ran it, at real time or faster: what the demo's signal 1 runs on.
/// </summary>
[Collection(MemoryPlatformCollection.Name)]
public sealed class SignalLogReplayTests(MemoryPlatformFixture fixture)
{
    private const string Detectors = "29:SB,31:SB,17:NB,18:NB";

    private static string LogPath => RepoPaths.Data("traffic", "udot-atspm", "raw-econolite-dat", "4895_ECON_controllerB_2024_02_21_1115.dat");

    private static IReadOnlyList<SignalLogReading> LogReadings() =>
        SignalLogAnalysis.Readings(ControllerEventLogReader.Read(File.ReadAllBytes(LogPath)), SignalLogAnalysis.ParseDetectors(Detectors)!, TimeSpan.FromMinutes(1));

    [Fact]
    public async Task Each_reading_is_sent_when_its_moment_comes_at_ten_times_real_time_never_before()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero));
        var start = time.GetUtcNow();
        var replay = SignalLogReplay.FromFile(LogPath, "sig-1", Detectors, TimeSpan.FromMinutes(1), speed: 10, time);
        var sent = new List<(DateTimeOffset SentAt, SimulatedReading Reading)>();

        var run = replay.RunAsync((batch, _) =>
        {
            sent.AddRange(batch.Select(r => (time.GetUtcNow(), r)));
            return Task.CompletedTask;
        }, passes: 1);
        var step = TimeSpan.FromMilliseconds(100);
        while (!run.IsCompleted && time.GetUtcNow() - start < TimeSpan.FromMinutes(10))
        {
            time.Advance(step);
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }

        await run;
        var expected = LogReadings();
        var first = expected[0].At;
        Assert.Equal(expected.Count, sent.Count);
        Assert.Equal(expected.Select(r => (r.Metric, r.Value)), sent.Select(s => (s.Reading.Metric, s.Reading.Value)));
        Assert.All(sent.Zip(expected), pair =>
        {
            var due = start + (pair.Second.At - first) / 10;
            Assert.Equal(due, pair.First.Reading.Timestamp);
            Assert.InRange(pair.First.SentAt - due, TimeSpan.Zero, step);
        });

        // The log's readings span 13 min 30.5 s (its first green to the end of its last counted minute): a pass takes a tenth.
        Assert.Equal((expected[^1].At - first) / 10, replay.PassDuration);
        Assert.Equal(TimeSpan.FromSeconds(81.05), replay.PassDuration);
        Assert.Equal(replay.PassDuration, sent[^1].Reading.Timestamp - start);
    }

    [Fact]
    public async Task A_replay_through_the_platform_drives_the_signals_phase_live_in_the_logs_order_and_rhythm()
    {
        var district = MemoryPlatformFixture.NewId("replay");
        var id = "sig-" + district;
        var credential = await fixture.Api.OnboardAsync(TestDevices.Signal(id, district));
        const double speed = 120;
        var replay = SignalLogReplay.FromFile(LogPath, id, Detectors, TimeSpan.FromMinutes(1), speed, TimeProvider.System);
        var refused = 0;

        var started = DateTimeOffset.UtcNow;
        await replay.RunAsync(async (batch, ct) =>
        {
            using var response = await fixture.Api.PostTelemetryAsync(credential, new { readings = batch });
            refused += response.StatusCode == HttpStatusCode.Accepted ? 0 : 1;
        }, passes: 1, TestContext.Current.CancellationToken);
        var took = DateTimeOffset.UtcNow - started;

        var phases = LogReadings().Where(r => r.Metric == "phase").ToList();
        var history = (await fixture.Api.GetJsonAsync($"/api/devices/{id}/readings?metric=phase&max=100", PlatformApi.Operator)).AsArray()
            .Select(r => (At: DateTimeOffset.Parse(r!["timestamp"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture), Phase: r["value"]!.GetValue<double>()))
            .OrderBy(r => r.At)
            .ToList();
        Assert.Equal(0, refused);
        Assert.Equal(phases.Select(p => p.Value), history.Select(h => h.Phase));

        // The platform saw the log's rhythm, a hundred and twenty times faster: not the whole log at once.
        var logSpan = phases[^1].At - phases[0].At;
        Assert.Equal(logSpan.TotalMilliseconds / speed, (history[^1].At - history[0].At).TotalMilliseconds, 0);
        Assert.True(took >= logSpan / speed, $"the pass took {took}, less than the log's {logSpan} at {speed}x");
        var signal = (await fixture.Api.GetJsonAsync($"/api/traffic/signals?district={district}")).AsArray().Single()!;
        Assert.Equal(phases[^1].Value, signal["phase"]!.GetValue<int>());
    }
}
