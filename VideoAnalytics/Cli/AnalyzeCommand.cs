using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using CityControl.Video.Analysis;
using CityControl.Video.Detection;
using CityControl.Video.Sources;
using OpenCvSharp;

namespace CityControl.Video.Cli;

/// <summary>What the analysis of a whole file found, and how fast.</summary>
public sealed record AnalysisSummary(
    string Type,
    int FramesRead,
    int FramesAnalysed,
    double DurationSeconds,
    double AnalysisFramesPerSecond,
    double AnalysisOnlyFramesPerSecond,
    IReadOnlyDictionary<string, int> Counts,
    int FramesDetected = 0,
    int FramesDropped = 0,
    IReadOnlyDictionary<string, IReadOnlyDictionary<ObjectClass, int>>? CountsByClass = null,
    IReadOnlyDictionary<string, IReadOnlyDictionary<CountDirection, int>>? CountsByDirection = null);

/// <summary>
/// <c>analyze &lt;video file&gt; [--config &lt;camera config json&gt;] [--json] [--snapshots &lt;folder&gt;]</c>: runs a camera's
/// analysis over a file as fast as it decodes, sampling frames at the configured analysis rate, and prints one line per
/// event (JSON with --json), then a summary: frames read, frames analysed, analysis frames per second with decoding and
/// without. With --snapshots, each event's annotated frame is written there as a JPEG, to check what was flagged.
/// --detector overrides the configuration's way of finding objects; --model names another detector model than the
/// shipped one.
/// </summary>
public static class AnalyzeCommand
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length < 2 || args[0] != "analyze")
        {
            await error.WriteLineAsync("usage: analyze <video file> [--config <camera config json>] [--json] [--snapshots <folder>] [--detector motion|objects] [--model <detector model>]");
            return 2;
        }

        var config = CameraAnalyticsConfig.Default;
        var configIndex = Array.IndexOf(args, "--config");
        if (configIndex > 0)
        {
            if (configIndex + 1 >= args.Length)
            {
                await error.WriteLineAsync("--config needs a file");
                return 2;
            }

            try
            {
                config = JsonSerializer.Deserialize<CameraAnalyticsConfig>(await File.ReadAllTextAsync(args[configIndex + 1]), Json)
                    ?? throw new JsonException("the file is empty");
            }
            catch (Exception ex) when (ex is JsonException or IOException)
            {
                await error.WriteLineAsync($"--config {args[configIndex + 1]}: {ex.Message}");
                return 2;
            }
        }

        var detectorIndex = Array.IndexOf(args, "--detector");
        if (detectorIndex > 0)
        {
            if (detectorIndex + 1 >= args.Length || !Enum.TryParse<DetectorMode>(args[detectorIndex + 1], true, out var mode))
            {
                await error.WriteLineAsync("--detector needs motion or objects");
                return 2;
            }

            config = config with { Detector = mode };
        }

        var json = args.Contains("--json");
        var snapshotIndex = Array.IndexOf(args, "--snapshots");
        var snapshots = snapshotIndex > 0 && snapshotIndex + 1 < args.Length ? Directory.CreateDirectory(args[snapshotIndex + 1]).FullName : null;
        try
        {
            var modelIndex = Array.IndexOf(args, "--model");
            var settings = new DetectorSettings();
            if (modelIndex > 0 && modelIndex + 1 < args.Length)
            {
                settings.ModelPath = Path.GetFullPath(args[modelIndex + 1]);
            }

            using var detector = config.Detector == DetectorMode.Objects ? new ObjectDetector(DetectorModel.Load(settings)) : null;
            var summary = Analyze(args[1], config, e => output.WriteLine(json ? JsonSerializer.Serialize(e, Json) : Describe(e)), snapshots, detector: detector);
            await output.WriteLineAsync(json ? JsonSerializer.Serialize(summary, Json)
                : $"frames read {summary.FramesRead}, analysed {summary.FramesAnalysed} (detector on {summary.FramesDetected}), {summary.AnalysisFramesPerSecond:F1} analysis fps with decoding, {summary.AnalysisOnlyFramesPerSecond:F1} without; counts {string.Join(", ", summary.Counts.Select(c => $"{c.Key} {c.Value}"))}"
                  + (summary.CountsByClass is { Count: > 0 } byClass ? $" ({string.Join("; ", byClass.Select(z => $"{z.Key}: {string.Join(", ", z.Value.Select(c => $"{c.Key} {c.Value}"))}"))})" : "")
                  + (summary.CountsByDirection?.Where(z => z.Value.Count > 0).ToList() is { Count: > 0 } byDirection ? $"; {string.Join("; ", byDirection.Select(z => $"{z.Key}: in {z.Value.GetValueOrDefault(CountDirection.In)}, out {z.Value.GetValueOrDefault(CountDirection.Out)}"))}" : ""));
            return 0;
        }
        catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException or NotSupportedException)
        {
            await error.WriteLineAsync(ex.Message);
            return 1;
        }
    }

    /// <summary>Analyses a whole file; every event goes to <paramref name="onEvent"/> as it is found, with its annotated frame to <paramref name="snapshots"/> when set.</summary>
    public static AnalysisSummary Analyze(string path, CameraAnalyticsConfig config, Action<VideoEvent> onEvent, string? snapshots = null, TimeProvider? clock = null,
        ObjectDetector? detector = null) =>
        Analyze(path, config, clock, detector, (analyzer, frame, time, events) =>
        {
            events.ForEach(onEvent);
            if (snapshots is not null && events.Count > 0 && !frame.Empty())
            {
                using var annotated = analyzer.Annotate(frame);
                Cv2.ImWrite(Path.Combine(snapshots, $"{time:000.00}-{events[0].Type}.jpg"), annotated);
            }
        });

    public static AnalysisSummary Analyze(string path, CameraAnalyticsConfig config, TimeProvider? clock, Action<FrameAnalyzer, Mat, double, List<VideoEvent>> onAnalysed) =>
        Analyze(path, config, clock, null, onAnalysed);

    /// <summary>
    /// Analyses a whole file, sampling frames at the configured rate: <paramref name="onAnalysed"/> sees each analysed frame
    /// with its time and events (return from it to go on; the frame is reused afterwards). Open events are flushed at the end.
    /// </summary>
    public static AnalysisSummary Analyze(string path, CameraAnalyticsConfig config, Action<FrameAnalyzer, Mat, double, List<VideoEvent>> onAnalysed) =>
        Analyze(path, config, null, null, onAnalysed);

    /// <summary>
    /// As above, with the wall clock that zone active hours are read from (the system clock when null) and the
    /// detector that finds objects when the configuration asks for one (frames wait for it: a file is not live).
    /// </summary>
    public static AnalysisSummary Analyze(string path, CameraAnalyticsConfig config, TimeProvider? clock, ObjectDetector? detector,
        Action<FrameAnalyzer, Mat, double, List<VideoEvent>> onAnalysed)
    {
        using var video = new VideoFile(path);
        using var analyzer = new FrameAnalyzer(config, clock, detector) { DetectorWait = Timeout.InfiniteTimeSpan };
        using var frame = new Mat();
        var interval = 1 / config.AnalysisFps;
        var next = 0.0;
        var last = 0.0;
        var total = Stopwatch.StartNew();
        var analysing = new Stopwatch();
        while (video.Read(frame, out var time))
        {
            last = time;
            if (time + 1e-6 < next)
            {
                continue;
            }

            next = Math.Max(next + interval, time);
            analysing.Start();
            var events = analyzer.Analyze(frame, time);
            analysing.Stop();
            onAnalysed(analyzer, frame, time, events);
        }

        onAnalysed(analyzer, frame, last, analyzer.Finish());
        total.Stop();
        return new AnalysisSummary("summary", video.FramesRead, analyzer.FramesAnalysed, Math.Round(last, 2),
            Math.Round(analyzer.FramesAnalysed / total.Elapsed.TotalSeconds, 1),
            Math.Round(analyzer.FramesAnalysed / Math.Max(1e-9, analysing.Elapsed.TotalSeconds), 1),
            analyzer.Counts, analyzer.FramesDetected, analyzer.FramesDropped, analyzer.CountsByClass, analyzer.CountsByDirection);
    }

    private static string Describe(VideoEvent e) =>
        $"{e.Time,8:F2}s {e.Type} zone={e.Zone} track={e.TrackId} box=[{string.Join(",", e.Box ?? [])}] confidence={e.Confidence}"
        + (e.ObjectClass is { } k ? $" class={k}" : "") + (e.Count is { } c ? $" count={c}" : "") + (e.Direction is { } way ? $" direction={way}" : "") + (e.DwellSeconds is { } d ? $" dwell={d}s" : "") + (e.Detail is { } x ? $" {x}" : "");
}
