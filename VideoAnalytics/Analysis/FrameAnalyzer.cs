using CityControl.Video.Detection;
using OpenCvSharp;

namespace CityControl.Video.Analysis;

/// <summary>
/// The analysis of one camera, frame by frame, in the order Frigate does it: scale the frame down to the detection
/// width, check the picture for tampering, find motion (MOG2 background subtraction, shadows dropped, motion masks
/// blanked), turn moving blobs into boxes, and then either follow the blobs (motion mode) or, with a trained detector
/// (object mode), run it only on the region around the motion and the objects being followed, and follow what it
/// finds there with its class; then apply the zone rules. Not thread-safe: one per camera.
/// </summary>
public sealed class FrameAnalyzer : IDisposable
{
    /// <summary>Seconds of background learning before motion counts (the first frames are all "new").</summary>
    public const double WarmUpSeconds = 1;

    /// <summary>The HOG people detector's SVM score a detection needs (0 accepts everything it proposes).</summary>
    public const double PeopleWeight = 0.5;

    /// <summary>A detector region is at least this share of the detector's input side (small objects are enlarged up to 3x, no more).</summary>
    public const double MinRegionShare = 1 / 3.0;

    /// <summary>
    /// Every so often the detector looks at the whole frame, motion or not, so that objects which never moved since
    /// the camera started (a crowd already standing, a car already stopped) are found and then followed.
    /// </summary>
    public const double SweepSeconds = 10;

    private readonly CameraAnalyticsConfig _config;
    private readonly ObjectDetector? _detector;
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
    private double _lastTime;
    private double _lastSweep = double.NegativeInfinity;
    private bool _tampered;

    public FrameAnalyzer(CameraAnalyticsConfig config, TimeProvider? clock = null, ObjectDetector? detector = null)
    {
        _config = config;
        _detector = config.Detector == DetectorMode.Objects ? detector : null;
        var history = (int)Math.Max(50, config.AnalysisFps * 60);
        _background = BackgroundSubtractorMOG2.Create(history, 40, detectShadows: true);
        _background.BackgroundRatio = config.BackgroundRatio;
        _zones = [.. config.Zones.Select(z => new ZoneRules(z, clock ?? TimeProvider.System))];
        if (config.DetectPeople && _detector is null)
        {
            _people = new HOGDescriptor();
            _people.SetSVMDetector(HOGDescriptor.GetDefaultPeopleDetector());
        }
    }

    public int FramesAnalysed { get; private set; }

    /// <summary>Frames dropped because every inference thread of the worker stayed busy (never queued).</summary>
    public int FramesDropped { get; private set; }

    /// <summary>Frames the detector ran on; the others had no motion and nothing to follow.</summary>
    public int FramesDetected { get; private set; }

    /// <summary>Whether a trained detector finds the objects (the camera asked for it and the worker has one).</summary>
    public bool UsesDetector => _detector is not null;

    /// <summary>How long a frame may wait for an inference thread before it is dropped: one analysis interval.</summary>
    public TimeSpan DetectorWait { get; init; } = TimeSpan.FromSeconds(1);

    public IReadOnlyList<Track> Tracks => _tracker.Tracks;

    /// <summary>Objects that entered each counting zone so far.</summary>
    public IReadOnlyDictionary<string, int> Counts => _zones.Where(z => z.Zone.Kind == AnalyticsZoneKind.Count).ToDictionary(z => z.Zone.Name, z => z.Counted);

    /// <summary>Objects that entered each counting zone so far, by class.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<ObjectClass, int>> CountsByClass =>
        _zones.Where(z => z.Zone.Kind == AnalyticsZoneKind.Count).ToDictionary(z => z.Zone.Name, z => z.CountedByClass);

    /// <summary>Objects counted in and out of each counting zone that has an inner side.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<CountDirection, int>> CountsByDirection =>
        _zones.Where(z => z.Zone is { Kind: AnalyticsZoneKind.Count, InwardPoint: not null }).ToDictionary(z => z.Zone.Name, z => z.CountedByDirection);

    /// <summary>Analyses one source frame (BGR) taken <paramref name="time"/> seconds into the stream.</summary>
    public List<VideoEvent> Analyze(Mat frame, double time)
    {
        FramesAnalysed++;
        _lastTime = time;
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
            _tracker.Update(Array.Empty<Observation>(), time);
            return events;
        }

        _tampered = false;
        Cv2.FindContours(_foreground, out var contours, out _, RetrievalModes.External, ContourApproximationModes.ApproxSimple);
        var boxes = contours
            .Where(c => Cv2.ContourArea(c) >= _config.MinObjectArea)
            .Select(c => Cv2.BoundingRect(c))
            .ToList();
        List<Track> ended;
        if (_detector is not null)
        {
            var observed = Detect(frame, boxes, time);
            if (observed is null)
            {
                FramesDropped++;
                return events;
            }

            ended = _tracker.Update(observed, time);
        }
        else
        {
            ended = _tracker.Update(PeopleAndBlobs(boxes), time);
        }

        foreach (var zone in _zones)
        {
            events.AddRange(Named(zone.Apply(_tracker.Tracks, time, _scale, ended)));
        }

        return events;
    }

    private List<Rect> PeopleAndBlobs(List<Rect> boxes)
    {
        if (_people is not null)
        {
            // People found by their shape replace the motion blobs they overlap: a person standing still stays found.
            var people = _people.DetectMultiScale(_gray, out var weights, 0, new Size(8, 8), new Size(8, 8), 1.05)
                .Where((_, i) => weights[i] >= PeopleWeight)
                .ToList();
            boxes = [.. people, .. boxes.Where(b => !people.Any(p => (p & b).Width > 0))];
        }

        return boxes;
    }

    /// <summary>
    /// Runs the detector on the regions of the source frame around the moving blobs and the objects being followed
    /// (<see cref="Regions"/>; the whole frame at a sweep). Keeps what overlaps motion or continues a track (a parked
    /// car in a region does not become an object between sweeps), and
    /// folds a rider into the bicycle or motorcycle under them. Boxes come back in detection pixels; null when no
    /// inference thread was free in time.
    /// </summary>
    private List<Observation>? Detect(Mat frame, List<Rect> motion, double time)
    {
        var live = _tracker.Tracks.Where(t => t.DetectorConfidence is not null).Select(t => t.Box).ToList();
        var sweep = time - _lastSweep >= SweepSeconds;
        if (motion.Count == 0 && live.Count == 0 && !sweep)
        {
            return [];
        }

        var whole = new Rect(0, 0, frame.Width, frame.Height);
        var crops = sweep ? [whole] : Regions([.. motion.Concat(live).Select(b => ToSource(b))], frame.Size(), _detector!.InputSize);
        var found = new List<DetectedObject>();
        foreach (var crop in crops)
        {
            List<DetectedObject>? inRegion;
            using (var roi = new Mat(frame, crop))
            {
                inRegion = _detector!.Detect(roi, (float)_config.MinConfidence, DetectorWait);
            }

            if (inRegion is null)
            {
                return null;
            }

            found.AddRange(inRegion.Select(d => d with { Box = new Rect2d(d.Box.X + crop.X, d.Box.Y + crop.Y, d.Box.Width, d.Box.Height) }));
        }

        FramesDetected++;
        if (sweep)
        {
            _lastSweep = time;
        }

        // Regions may overlap at their margins: an object seen in two is one.
        var observations = new List<Observation>();
        foreach (var d in FoldRiders(crops.Count > 1 ? ObjectDetector.Suppress(found, 0.5) : found))
        {
            var box = new Rect(
                (int)Math.Round(d.Box.X / _scale), (int)Math.Round(d.Box.Y / _scale),
                Math.Max(1, (int)Math.Round(d.Box.Width / _scale)), Math.Max(1, (int)Math.Round(d.Box.Height / _scale)));
            if (sweep || motion.Any(m => (m & box).Width > 0) || live.Any(t => Overlap(t, box) > 0.3))
            {
                observations.Add(new Observation(box, d.Class, d.Confidence));
            }
        }

        return observations;
    }

    private Rect ToSource(Rect b) => new((int)(b.X * _scale), (int)(b.Y * _scale), (int)Math.Ceiling(b.Width * _scale), (int)Math.Ceiling(b.Height * _scale));

    /// <summary>
    /// Where the detector looks, in source pixels: the boxes (motion and followed objects) grouped by nearness, each
    /// group a square grown by a quarter of its size (and 8 px) to at least a third of the detector's input side, so
    /// small objects far apart on a large picture each keep their pixels instead of shrinking with the whole frame;
    /// groups whose squares touch are one. At most <see cref="MaxRegions"/> regions (the nearest groups join); one on a
    /// picture no larger than the detector's input (its objects already keep their pixels there); and the whole frame
    /// once the regions cover most of it.
    /// </summary>
    internal static List<Rect> Regions(IReadOnlyList<Rect> boxes, Size frame, int inputSize)
    {
        var whole = new Rect(0, 0, frame.Width, frame.Height);
        var most = Math.Max(frame.Width, frame.Height) <= inputSize ? 1 : MaxRegions;
        var groups = boxes.Select(b => b).ToList();
        bool merged;
        do
        {
            merged = false;
            var squares = groups.Select(g => Square(g, frame, inputSize)).ToList();
            for (var i = 0; i < groups.Count && !merged; i++)
            {
                for (var j = i + 1; j < groups.Count && !merged; j++)
                {
                    if ((squares[i] & squares[j]).Width > 0 && (squares[i] & squares[j]).Height > 0)
                    {
                        groups[i] |= groups[j];
                        groups.RemoveAt(j);
                        merged = true;
                    }
                }
            }

            if (!merged && groups.Count > most)
            {
                // The two groups whose union adds the least area become one.
                var (a, b) = (from i in Enumerable.Range(0, groups.Count)
                              from j in Enumerable.Range(i + 1, groups.Count - i - 1)
                              orderby Area(groups[i] | groups[j]) - Area(groups[i]) - Area(groups[j])
                              select (i, j)).First();
                groups[a] |= groups[b];
                groups.RemoveAt(b);
                merged = true;
            }
        }
        while (merged);

        var regions = groups.Select(g => Square(g, frame, inputSize)).ToList();
        return regions.Sum(Area) > 0.6 * Area(whole) ? [whole] : regions;
    }

    /// <summary>At most this many detector inputs per frame; Frigate looks at a few regions, never at every blob.</summary>
    public const int MaxRegions = 3;

    private static Rect Square(Rect box, Size frame, int inputSize)
    {
        var margin = 0.25 * Math.Max(box.Width, box.Height) + 8;
        var side = Math.Max(Math.Max(box.Width, box.Height) + 2 * margin, inputSize * MinRegionShare);
        var (cx, cy) = (box.X + box.Width / 2.0, box.Y + box.Height / 2.0);
        var square = new Rect((int)Math.Floor(cx - side / 2), (int)Math.Floor(cy - side / 2), (int)Math.Ceiling(side), (int)Math.Ceiling(side));
        return square & new Rect(0, 0, frame.Width, frame.Height);
    }

    private static double Area(Rect r) => (double)r.Width * r.Height;

    /// <summary>A person on a bicycle or motorcycle is its rider: one object, the two-wheeler, boxed with them.</summary>
    internal static List<DetectedObject> FoldRiders(List<DetectedObject> found)
    {
        var wheels = found.Where(d => d.Class is ObjectClass.Bicycle or ObjectClass.Motorcycle).ToList();
        var result = new List<DetectedObject>();
        var riders = new HashSet<int>();
        foreach (var wheel in wheels)
        {
            var box = wheel.Box;
            for (var i = 0; i < found.Count; i++)
            {
                var person = found[i];
                var shared = person.Box & wheel.Box;
                var centre = person.Box.X + person.Box.Width / 2;
                if (person.Class == ObjectClass.Person && !riders.Contains(i) && shared.Width > 0 && shared.Height > 0
                    && shared.Width * shared.Height >= 0.2 * person.Box.Width * person.Box.Height && centre >= wheel.Box.Left && centre <= wheel.Box.Right)
                {
                    riders.Add(i);
                    box |= person.Box;
                }
            }

            result.Add(wheel with { Box = box });
        }

        result.AddRange(found.Where((d, i) => d.Class is not (ObjectClass.Bicycle or ObjectClass.Motorcycle) && !riders.Contains(i)));
        return result;
    }

    private static double Overlap(Rect a, Rect b) => ObjectDetector.Overlap(new Rect2d(a.X, a.Y, a.Width, a.Height), new Rect2d(b.X, b.Y, b.Width, b.Height));

    /// <summary>Events still open when the stream ends (presence episodes in progress).</summary>
    public List<VideoEvent> Finish() => [.. Named(_zones.SelectMany(z => z.Finish(_tracker.Tracks, _lastTime, _scale)))];

    /// <summary>Events about objects the detector classed name it, so that their confidence reads as its score.</summary>
    private IEnumerable<VideoEvent> Named(IEnumerable<VideoEvent> events) =>
        _detector is null ? events : events.Select(e => e.ObjectClass is null ? e : e with { Detector = _detector.Name });

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
            var label = track.DetectorConfidence is { } confidence ? FormattableString.Invariant($"#{track.Id} {track.Class} {confidence:F2}") : $"#{track.Id} {track.Class}";
            Cv2.PutText(annotated, label, new Point(rect.X, Math.Max(12, rect.Y - 4)), HersheyFonts.HersheySimplex, 0.4, Scalar.LimeGreen, 1);
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
