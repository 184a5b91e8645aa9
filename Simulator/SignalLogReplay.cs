using CityControl.Rules.Traffic;

namespace CityControl.Simulator;

/// <summary>
/// A signal controller's real high-resolution event log (an ATSPM CSV export or a raw Econolite <c>.dat</c>) replayed as
/// that signal's live readings, as its field gateway would send them while the controller runs: the phase as each
/// begins green and each approach's volume and occupancy per interval, each sent when its moment comes, at real time
/// (<see cref="Speed"/> 1) or faster, stamped with the moment it is sent. At the end of the log it starts again.
/// </summary>
public sealed class SignalLogReplay
{
    /// <summary>At most this many readings per request (a fast replay's backlog is sent in parts).</summary>
    private const int MaxBatch = 500;

    private readonly IReadOnlyList<SignalLogReading> _readings;
    private readonly TimeProvider _time;

    public SignalLogReplay(string deviceId, IReadOnlyList<SignalLogReading> readings, double speed, TimeProvider time)
    {
        if (readings.Count == 0)
        {
            throw new SimulatorException("the controller log gives no reading to replay");
        }

        if (!double.IsFinite(speed) || speed is < 0.01 or > 10_000)
        {
            throw new SimulatorException($"the replay speed {speed} is not between 0.01 and 10000");
        }

        DeviceId = deviceId;
        Speed = speed;
        _readings = readings;
        _time = time;
    }

    public string DeviceId { get; }

    public double Speed { get; }

    /// <summary>How long one pass of the log takes at <see cref="Speed"/>.</summary>
    public TimeSpan PassDuration => (_readings[^1].At - _readings[0].At) / Speed;

    /// <summary>Reads a controller log file; detectors map count channels to approaches ("2:NB,6:SB").</summary>
    public static SignalLogReplay FromFile(string path, string deviceId, string? detectors, TimeSpan interval, double speed, TimeProvider time)
    {
        var log = ControllerEventLogReader.Read(File.ReadAllBytes(path));
        if (log.Events.IsEmpty)
        {
            throw new SimulatorException($"'{path}' holds no controller event that could be read");
        }

        var approaches = SignalLogAnalysis.ParseDetectors(detectors)
            ?? throw new SimulatorException($"the detectors '{detectors}' are not channel:approach pairs (e.g. 2:NB,6:SB)");
        return new SignalLogReplay(deviceId, SignalLogAnalysis.Readings(log, approaches, interval), speed, time);
    }

    /// <summary>
    /// Sends the log's readings as their moments come (those due together in one batch), pass after pass, until
    /// <paramref name="ct"/> ends it or <paramref name="passes"/> are done.
    /// </summary>
    public async Task RunAsync(Func<List<SimulatedReading>, CancellationToken, Task> send, int passes = int.MaxValue, CancellationToken ct = default)
    {
        var first = _readings[0].At;
        for (var pass = 0; pass < passes; pass++)
        {
            // A pass starts a moment after the last one ended, so that no reading repeats the previous one's time.
            var start = _time.GetUtcNow();
            var next = 0;
            while (next < _readings.Count)
            {
                var due = start + (_readings[next].At - first) / Speed;
                var wait = due - _time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, ct);
                }

                var now = _time.GetUtcNow();
                var batch = new List<SimulatedReading>();
                while (next < _readings.Count && start + (_readings[next].At - first) / Speed <= now)
                {
                    var reading = _readings[next++];
                    batch.Add(new SimulatedReading(DeviceId, start + (reading.At - first) / Speed, reading.Metric, reading.Value, reading.Unit));
                }

                foreach (var chunk in batch.Chunk(MaxBatch))
                {
                    await send([.. chunk], ct);
                }
            }

            await Task.Delay(TimeSpan.FromSeconds(1), _time, ct);
        }
    }
}
