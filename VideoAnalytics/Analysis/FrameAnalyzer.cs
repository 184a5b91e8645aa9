using OpenCvSharp;

namespace CityControl.Video.Analysis;

/// <summary>
/// The analysis of one camera, frame by frame, in the order Frigate does it: scale the frame down to the detection
/// width, check the picture for tampering, find motion (MOG2 background subtraction, shadows dropped, motion masks
/// blanked), turn moving blobs into boxes, follow them, and apply the zone rules. Not thread-safe: one per camera.
/// </summary>
public sealed class FrameAnalyzer : IDisposable
{
    /// <summary>Seconds of background learning before motion counts (the first frames are all "new").</summary>
    public const double WarmUpSeconds = 1;

    /// <summary>The HOG people detector's SVM score a detection needs (0 accepts everything it proposes).</summary>
    public const double PeopleWeight = 0.5;

    private readonly CameraAnalyticsConfig _config;
    private readonly BackgroundSubtractorMOG2 _background;
    private readonly HOGDescriptor? _people;
    private readonly ObjectTracker _tracker = new();
    private readonly TamperingDetector _tampering = new();
    private readonly List<ZoneRules> _zones;
    private readonly Mat _small = new();
    private readonly Mat _gray = new();
    private readonly Mat _foreground = new();
    private readonly Mat _mask = new();
    private readonly Mat _openKernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(3, 3));
    private readonly Mat _closeKernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(7, 7));
    private double _scale = 1;
    private double _start = double.NaN;
    private bool _tampered;

    public FrameAnalyzer(CameraAnalyticsConfig config, TimeProvider? clock = null)
    {
        _config = config;
        var history = (int)Math.Max(50, config.AnalysisFps * 60);
        _background = BackgroundSubtractorMOG2.Create(history, 40, detectShadows: true);
        _background.BackgroundRatio = config.BackgroundRatio;
        _zones = [.. config.Zones.Select(z => new ZoneRules(z, clock ?? TimeProvider.System))];
        if (config.DetectPeople)
        {
            _people = new HOGDescriptor();
            _people.SetSVMDetector(HOGDescriptor.GetDefaultPeopleDetector());
        }
    }

    public int FramesAnalysed { get; private set; }

    public IReadOnlyList<Track> Tracks => _tracker.Tracks;

    /// <summary>Objects that entered each counting zone so far.</summary>
    public IReadOnlyDictionary<string, int> Counts => _zones.Where(z => z.Zone.Kind == AnalyticsZoneKind.Count).ToDictionary(z => z.Zone.Name, z => z.Counted);

    /// <summary>Analyses one source frame (BGR) taken <paramref name="time"/> seconds into the stream.</summary>
    public List<VideoEvent> Analyze(Mat frame, double time)
    {
        FramesAnalysed++;
        if (double.IsNaN(_start))
        {
            _start = time;
            _scale = frame.Width / (double)Math.Min(frame.Width, _config.DetectionWidth);
            BuildMask(frame.Size());
        }

        var size = new Size((int)Math.Round(frame.Width / _scale), (int)Math.Round(frame.Height / _scale));
        Cv2.Resize(frame, _small, size, 0, 0, InterpolationFlags.Area);
        Cv2.CvtColor(_small, _gray, ColorConversionCodes.BGR2GRAY);

        var events = new List<VideoEvent>();
        if (_config.Tampering && _tampering.Check(_gray, time) is { } problem)
        {
            events.Add(new VideoEvent(VideoEventType.Tampering, time, null, null, [0, 0, frame.Width, frame.Height], 1, Detail: problem));
            _tampered = true;
        }

        using var blurred = new Mat();
        Cv2.GaussianBlur(_small, blurred, new Size(5, 5), 0);
        _background.Apply(blurred, _foreground);
        Cv2.Threshold(_foreground, _foreground, 200, 255, ThresholdTypes.Binary);
        Cv2.BitwiseAnd(_foreground, _mask, _foreground);
        Cv2.MorphologyEx(_foreground, _foreground, MorphTypes.Open, _openKernel);
        Cv2.MorphologyEx(_foreground, _foreground, MorphTypes.Close, _closeKernel);

        if (time - _start < WarmUpSeconds || _tampered && events.Count == 0 && Cv2.CountNonZero(_foreground) > 0.5 * _foreground.Total())
        {
            // Learning the background, or the whole view changed (tampering): no objects from this frame.
            _tracker.Update([], time);
            return events;
        }

        _tampered = false;
        Cv2.FindContours(_foreground, out var contours, out _, RetrievalModes.External, ContourApproximationModes.ApproxSimple);
        var boxes = contours
            .Where(c => Cv2.ContourArea(c) >= _config.MinObjectArea)
            .Select(c => Cv2.BoundingRect(c))
            .ToList();
        if (_people is not null)
        {
            // People found by their shape replace the motion blobs they overlap: a person standing still stays found.
            var people = _people.DetectMultiScale(_gray, out var weights, 0, new Size(8, 8), new Size(8, 8), 1.05)
                .Where((_, i) => weights[i] >= PeopleWeight)
                .ToList();
            boxes = [.. people, .. boxes.Where(b => !people.Any(p => (p & b).Width > 0))];
        }

        _tracker.Update(boxes, time);
        foreach (var zone in _zones)
        {
            events.AddRange(zone.Apply(_tracker.Tracks, time, _scale));
        }

        return events;
    }

    /// <summary>Events still open when the stream ends (presence episodes in progress).</summary>
    public List<VideoEvent> Finish() => [.. _zones.SelectMany(z => z.Finish(_scale))];

    /// <summary>Draws zones and tracked objects on a copy of the source frame, for the live view and evidence.</summary>
    public Mat Annotate(Mat frame)
    {
        var annotated = frame.Clone();
        foreach (var zone in _config.Zones)
        {
            var points = zone.Polygon.Select(p => new Point(p.X, p.Y)).ToArray();
            var colour = zone.Kind == AnalyticsZoneKind.Intrusion ? Scalar.Red : zone.Kind == AnalyticsZoneKind.Count ? Scalar.Yellow : Scalar.Orange;
            Cv2.Polylines(annotated, [points], true, colour, 2);
            Cv2.PutText(annotated, zone.Name, points[0], HersheyFonts.HersheySimplex, 0.45, colour, 1);
        }

        foreach (var track in _tracker.Tracks.Where(t => t.Confirmed))
        {
            var b = ZoneRules.SourceBox(track.Box, _scale);
            var rect = new Rect(b[0], b[1], b[2], b[3]);
            Cv2.Rectangle(annotated, rect, Scalar.LimeGreen, 2);
            Cv2.PutText(annotated, $"#{track.Id} {track.Class}", new Point(rect.X, Math.Max(12, rect.Y - 4)), HersheyFonts.HersheySimplex, 0.4, Scalar.LimeGreen, 1);
        }

        return annotated;
    }

    public void Dispose()
    {
        _background.Dispose();
        _people?.Dispose();
        _small.Dispose();
        _gray.Dispose();
        _foreground.Dispose();
        _mask.Dispose();
        _openKernel.Dispose();
        _closeKernel.Dispose();
    }

    private void BuildMask(Size source)
    {
        var size = new Size((int)Math.Round(source.Width / _scale), (int)Math.Round(source.Height / _scale));
        _mask.Create(size, MatType.CV_8UC1);
        _mask.SetTo(Scalar.All(255));
        foreach (var polygon in _config.MotionMasks)
        {
            var points = polygon.Select(p => new Point(p.X / _scale, p.Y / _scale)).ToArray();
            Cv2.FillPoly(_mask, [points], Scalar.All(0));
        }
    }
}
