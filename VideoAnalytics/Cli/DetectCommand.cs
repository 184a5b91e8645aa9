using System.Globalization;
using CityControl.Video.Detection;
using CityControl.Video.Sources;
using OpenCvSharp;

namespace CityControl.Video.Cli;

/// <summary>
/// <c>detect &lt;video file&gt; [--model &lt;model.json|model.onnx&gt;] [--every &lt;seconds&gt;] [--min &lt;confidence&gt;] [--snapshots &lt;folder&gt;]</c>:
/// runs the object detector alone on whole frames of a file (one every 1 s unless told), printing each frame's
/// objects with class, confidence and box, and the milliseconds per inference. With --snapshots each frame is
/// written there with its boxes drawn: how a new model or a new camera's view is checked by eye.
/// </summary>
public static class DetectCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length < 2)
        {
            await error.WriteLineAsync("usage: detect <video file> [--model <model.json|model.onnx>] [--every <seconds>] [--min <confidence>] [--snapshots <folder>]");
            return 2;
        }

        string? Option(string name) => Array.IndexOf(args, name) is var i and > 0 && i + 1 < args.Length ? args[i + 1] : null;
        var settings = new DetectorSettings();
        if (Option("--model") is { } model)
        {
            settings.ModelPath = Path.GetFullPath(model);
        }

        if (!double.TryParse(Option("--every") ?? "1", NumberStyles.Float, CultureInfo.InvariantCulture, out var every) || !(every > 0))
        {
            await error.WriteLineAsync("--every needs a number of seconds above 0");
            return 2;
        }

        if (!float.TryParse(Option("--min") ?? "0.35", NumberStyles.Float, CultureInfo.InvariantCulture, out var min) || min is < 0 or > 1)
        {
            await error.WriteLineAsync("--min needs a confidence from 0 to 1");
            return 2;
        }

        var snapshots = Option("--snapshots") is { } folder ? Directory.CreateDirectory(folder).FullName : null;
        try
        {
            using var detector = new ObjectDetector(DetectorModel.Load(settings));
            using var file = new VideoFile(args[1]);
            using var frame = new Mat();
            var next = 0.0;
            var total = 0.0;
            var runs = 0;
            while (file.Read(frame, out var time))
            {
                if (time + 1e-6 < next)
                {
                    continue;
                }

                next = time + every;
                var found = detector.Detect(frame, min, Timeout.InfiniteTimeSpan)!;
                total += detector.LastInferenceMilliseconds;
                runs++;
                await output.WriteLineAsync(FormattableString.Invariant(
                    $"{time,7:F1}s {detector.LastInferenceMilliseconds,6:F1} ms  {string.Join("  ", found.Select(d => $"{d.Class} {d.Confidence:F2} [{d.Box.X:F0},{d.Box.Y:F0},{d.Box.Width:F0},{d.Box.Height:F0}]"))}"));
                if (snapshots is not null)
                {
                    using var drawn = frame.Clone();
                    foreach (var d in found)
                    {
                        var box = new Rect((int)d.Box.X, (int)d.Box.Y, (int)d.Box.Width, (int)d.Box.Height);
                        Cv2.Rectangle(drawn, box, Scalar.LimeGreen, 1);
                        Cv2.PutText(drawn, FormattableString.Invariant($"{d.Class} {d.Confidence:F2}"), new Point(box.X, Math.Max(10, box.Y - 3)), HersheyFonts.HersheySimplex, 0.35, Scalar.LimeGreen, 1);
                    }

                    Cv2.ImWrite(Path.Combine(snapshots, FormattableString.Invariant($"{time:000.0}.png")), drawn);
                }
            }

            await output.WriteLineAsync(FormattableString.Invariant($"{runs} frames, {detector.Name} at {detector.InputSize} px, {(runs > 0 ? total / runs : 0):F1} ms per inference"));
            return 0;
        }
        catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException or NotSupportedException)
        {
            await error.WriteLineAsync(ex.Message);
            return 1;
        }
    }
}
