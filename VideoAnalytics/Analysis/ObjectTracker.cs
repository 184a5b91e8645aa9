using OpenCvSharp;

namespace CityControl.Video.Analysis;

/// <summary>A moving object followed across analysed frames, in detection pixels.</summary>
public sealed class Track
{
    private readonly List<(double Time, Point2d Centre)> _path = [];
    private readonly List<Point2d> _feet = [];
    private readonly Dictionary<ObjectClass, double> _detected = [];
    private int _personVotes;
    private int _vehicleVotes;
    private double _confidenceSum;
    private int _detections;

    public Track(int id, Rect box, double time, ObjectClass? detectedClass = null, double confidence = 0)
    {
        Id = id;
        Box = box;
        FirstSeen = time;
        LastSeen = time;
        StillSince = time;
        StillAt = Centre(box);
        Observe(box, time, detectedClass, confidence);
    }

    public int Id { get; }

    public Rect Box { get; private set; }

    public double FirstSeen { get; }

    public double LastSeen { get; private set; }

    public int Hits { get; private set; }

    /// <summary>Since when the object has stayed within a small radius of <see cref="StillAt"/>.</summary>
    public double StillSince { get; private set; }

    public Point2d StillAt { get; private set; }

    public Point2d Velocity { get; private set; }

    public bool Confirmed => Hits >= ObjectTracker.ConfirmHits;

    /// <summary>Positions kept per track: two minutes at 5 analysed frames a second.</summary>
    public const int PathKept = 600;

    /// <summary>Where the object was in the frames it was seen (the last <see cref="PathKept"/>), in detection pixels.</summary>
    public IReadOnlyList<(double Time, Point2d Centre)> Path => _path;

    /// <summary>Where the object touched the ground (the bottom centre of its box) in the frames of <see cref="Path"/>.</summary>
    public IReadOnlyList<Point2d> Feet => _feet;

    /// <summary>
    /// The class the detector gave the track's boxes most confidently in all; without a detector, by shape: people
    /// are taller than wide, vehicles wider, decided by the majority of the track's boxes.
    /// </summary>
    public ObjectClass Class => _detected.Count > 0 ? _detected.MaxBy(c => c.Value).Key
        : _personVotes > _vehicleVotes ? ObjectClass.Person : _vehicleVotes > _personVotes ? ObjectClass.Vehicle : ObjectClass.Unknown;

    /// <summary>The detector's mean confidence over the track's detections; null when it was not detected by a model.</summary>
    public double? DetectorConfidence => _detections > 0 ? _confidenceSum / _detections : null;

    public double Direction => Math.Atan2(Velocity.Y, Velocity.X) * 180 / Math.PI;

    public Point2d Predict(double time) => Centre(Box) + Velocity * (time - LastSeen);

    public static Point2d Centre(Rect box) => new(box.X + box.Width / 2.0, box.Y + box.Height / 2.0);

    public void Observe(Rect box, double time, ObjectClass? detectedClass = null, double confidence = 0)
    {
        if (detectedClass is { } detected)
        {
            _detected[detected] = _detected.GetValueOrDefault(detected) + confidence;
            _confidenceSum += confidence;
            _detections++;
        }

        var centre = Centre(box);
        if (_path.Count > 0 && time > LastSeen)
        {
            var measured = (centre - Centre(Box)) * (1 / (time - LastSeen));
            Velocity = _path.Count == 1 ? measured : Velocity * 0.5 + measured * 0.5;
        }

        var radius = Math.Max(3, 0.25 * Math.Max(box.Width, box.Height));
        if (Distance(centre, StillAt) > radius)
        {
            StillSince = time;
            StillAt = centre;
        }

        Box = box;
        LastSeen = time;
        Hits++;
        _path.Add((time, centre));
        _feet.Add(new Point2d(box.X + box.Width / 2.0, box.Y + box.Height));
        if (_path.Count > PathKept)
        {
            // An object followed for long (a parked car, a person at a table) keeps its recent path, not all of it.
            _path.RemoveAt(0);
            _feet.RemoveAt(0);
        }
        var aspect = box.Height / (double)Math.Max(1, box.Width);
        if (aspect >= 1.4)
        {
            _personVotes++;
        }
        else if (aspect <= 1.0)
        {
            _vehicleVotes++;
        }
    }

    public static double Distance(Point2d a, Point2d b) => Math.Sqrt((a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y));
}

/// <summary>One box to follow: a motion blob (no class) or an object the detector classed.</summary>
public readonly record struct Observation(Rect Box, ObjectClass? Class = null, double Confidence = 0);

/// <summary>
/// Follows moving blobs or detected objects across frames: each detection joins the nearest live track within a gate
/// (around where the track's velocity predicts it), nearest pairs first; a detected person never joins a vehicle's
/// track nor the reverse; the rest start tracks. A track that is not seen for <see cref="MaxGapSeconds"/> ends.
/// </summary>
public sealed class ObjectTracker
{
    public const int ConfirmHits = 3;
    public const double MaxGapSeconds = 1.5;

    private readonly List<Track> _tracks = [];
    private int _nextId = 1;

    public IReadOnlyList<Track> Tracks => _tracks;

    /// <summary>Updates with one frame's detections; returns the tracks that ended.</summary>
    public List<Track> Update(IReadOnlyList<Rect> detections, double time) => Update([.. detections.Select(d => new Observation(d))], time);

    /// <summary>Updates with one frame's observations; returns the tracks that ended.</summary>
    public List<Track> Update(IReadOnlyList<Observation> detections, double time)
    {
        var pairs = new List<(double Distance, Track Track, int Detection)>();
        foreach (var track in _tracks)
        {
            var predicted = track.Predict(time);
            var gate = Math.Max(20, 1.2 * Math.Max(track.Box.Width, track.Box.Height));
            for (var i = 0; i < detections.Count; i++)
            {
                if (detections[i].Class is { } cls && track.DetectorConfidence is not null && Detection.ObjectDetector.Family(cls) != Detection.ObjectDetector.Family(track.Class))
                {
                    continue;
                }

                var d = Track.Distance(predicted, Track.Centre(detections[i].Box));
                if (d <= gate)
                {
                    pairs.Add((d, track, i));
                }
            }
        }

        var usedTracks = new HashSet<Track>();
        var usedDetections = new HashSet<int>();
        foreach (var (_, track, detection) in pairs.OrderBy(p => p.Distance))
        {
            if (usedTracks.Contains(track) || usedDetections.Contains(detection))
            {
                continue;
            }

            track.Observe(detections[detection].Box, time, detections[detection].Class, detections[detection].Confidence);
            usedTracks.Add(track);
            usedDetections.Add(detection);
        }

        for (var i = 0; i < detections.Count; i++)
        {
            if (!usedDetections.Contains(i))
            {
                _tracks.Add(new Track(_nextId++, detections[i].Box, time, detections[i].Class, detections[i].Confidence));
            }
        }

        var ended = _tracks.Where(t => time - t.LastSeen > MaxGapSeconds).ToList();
        _tracks.RemoveAll(ended.Contains);
        return ended;
    }

}
