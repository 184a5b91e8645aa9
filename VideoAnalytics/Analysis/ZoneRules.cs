using System.Collections.Immutable;
using OpenCvSharp;

namespace CityControl.Video.Analysis;

/// <summary>
/// Applies one zone's rule to the confirmed tracks of each analysed frame. Positions are the bottom centre of a
/// track's box in source pixels (where the object touches the ground).
/// </summary>
public sealed class ZoneRules(AnalyticsZone zone, TimeProvider clock)
{
    /// <summary>How long an object must stay in an intrusion zone, unless the zone says: passing noise does not.</summary>
    public const double DefaultIntrusionSeconds = 1;

    /// <summary>Frames an intruder must actually have been seen in (a track coasting through gaps on noise is not enough).</summary>
    public const int MinIntrusionHits = 5;

    /// <summary>A presence episode ends once the zone has been empty this long (a person briefly hidden is still there).</summary>
    public const double EpisodeGapSeconds = 2.5;

    private readonly Point[] _polygon = [.. zone.Polygon.Select(p => new Point(p.X, p.Y))];
    private readonly Dictionary<int, double> _insideSince = [];
    private readonly HashSet<int> _reported = [];
    private readonly HashSet<int> _wasInside = [];
    private List<Track> _ended = [];
    private readonly Dictionary<ObjectClass, int> _countedByClass = [];
    private readonly Dictionary<CountDirection, int> _countedByDirection = [];
    private readonly (double Cx, double Cy, double Nx, double Ny) _centreLine = CentreLine(zone.Polygon);
    private readonly int? _inward = zone is { Kind: AnalyticsZoneKind.Count, InwardPoint: { } p } ? Side(CentreLine(zone.Polygon), p.X, p.Y) is var side and not 0 ? side : null : null;
    private int _counted;
    private double _episodeStart = double.NaN;
    private double _episodeLast = double.NaN;
    private bool _episodeLoitered;
    private Track? _episodeTrack;
    private double _crowdSince = double.NaN;
    private double _calmSince = double.NaN;
    private bool _crowdReported;

    public AnalyticsZone Zone => zone;

    public int Counted => _counted;

    public IReadOnlyDictionary<ObjectClass, int> CountedByClass => _countedByClass;

    /// <summary>Objects counted in and out of a band with an inner side.</summary>
    public IReadOnlyDictionary<CountDirection, int> CountedByDirection => _countedByDirection;

    /// <summary>One analysed frame: the live tracks, and those that ended with it (a counted object may leave that way).</summary>
    public IEnumerable<VideoEvent> Apply(IReadOnlyList<Track> tracks, double time, double scale, IReadOnlyList<Track>? ended = null)
    {
        // Tracks that ended with the previous frame never come back: what was kept of them goes.
        foreach (var gone in _ended)
        {
            _reported.Remove(gone.Id);
            _wasInside.Remove(gone.Id);
        }

        _ended = ended is { Count: > 0 } ? [.. ended] : [];
        if (zone.Kind == AnalyticsZoneKind.Count)
        {
            // Each frame adds one foot to each track seen in it: the newest says whether the object is in the band now.
            foreach (var track in tracks.Where(t => t.Feet.Count > 0 && !_wasInside.Contains(t.Id) && IsInside(t.Feet[^1], scale)))
            {
                _wasInside.Add(track.Id);
            }
        }

        var inside = tracks.Where(t => t.Confirmed && Contains(t.Box, scale) && zone.Watches(t.Class)).ToList();
        foreach (var id in _insideSince.Keys.Where(id => !inside.Any(t => t.Id == id)).ToList())
        {
            _insideSince.Remove(id);
        }

        foreach (var track in inside)
        {
            _insideSince.TryAdd(track.Id, time);
        }

        return zone.Kind switch
        {
            AnalyticsZoneKind.Intrusion => ActiveNow() ? Once(inside, time, scale, VideoEventType.Intrusion) : [],
            AnalyticsZoneKind.Count => Count(ended is { Count: > 0 } ? [.. tracks, .. ended] : tracks, inside, time, scale),
            AnalyticsZoneKind.Loitering => Presence(inside, time, scale),
            AnalyticsZoneKind.Crowding => Crowding(inside, time, scale),
            AnalyticsZoneKind.StoppedVehicle => Stopped(inside, time, scale),
            _ => [],
        };
    }

    /// <summary>Closes an open presence episode at the end of the stream; counts objects still in a counting band.</summary>
    public IEnumerable<VideoEvent> Finish(IReadOnlyList<Track> tracks, double time, double scale)
    {
        if (zone.Kind == AnalyticsZoneKind.Count)
        {
            foreach (var e in Count(tracks, [], time, scale))
            {
                yield return e;
            }
        }

        if (zone.Kind == AnalyticsZoneKind.Loitering && !double.IsNaN(_episodeStart))
        {
            yield return EndEpisode(scale);
        }
    }

    internal static ImmutableArray<int> SourceBox(Rect box, double scale) =>
        [(int)Math.Round(box.X * scale), (int)Math.Round(box.Y * scale), (int)Math.Round(box.Width * scale), (int)Math.Round(box.Height * scale)];

    private bool Contains(Rect box, double scale)
    {
        var foot = new Point2f((float)((box.X + box.Width / 2.0) * scale), (float)((box.Y + box.Height) * scale));
        return Cv2.PointPolygonTest(_polygon, foot, false) >= 0;
    }

    private bool ActiveNow()
    {
        if (zone.ActiveFromHour is not { } from || zone.ActiveToHour is not { } to)
        {
            return true;
        }

        var hour = clock.GetLocalNow().Hour;
        return from <= to ? hour >= from && hour < to : hour >= from || hour < to;
    }

    private IEnumerable<VideoEvent> Once(List<Track> inside, double time, double scale, VideoEventType type)
    {
        var settle = zone.Seconds ?? DefaultIntrusionSeconds;
        foreach (var track in inside.Where(t => t.Hits >= MinIntrusionHits && time - _insideSince[t.Id] >= settle && _reported.Add(t.Id)))
        {
            yield return new VideoEvent(type, time, zone.Name, track.Id, SourceBox(track.Box, scale), Confidence(track), ObjectClass: track.Class);
        }
    }

    /// <summary>
    /// An object is counted once, when it leaves the band after having been seen in it (or, never confirmed inside
    /// because it crossed the band in fewer frames than a track needs, once it is confirmed beyond it): its class is
    /// then decided by all its frames in the band, and a fast vehicle is not missed.
    /// </summary>
    private IEnumerable<VideoEvent> Count(IReadOnlyList<Track> tracks, List<Track> inside, double time, double scale)
    {
        foreach (var track in tracks.Where(t => t.Confirmed && !inside.Contains(t) && !_reported.Contains(t.Id) && zone.Watches(t.Class) && _wasInside.Contains(t.Id)))
        {
            _reported.Add(track.Id);
            _counted++;
            _countedByClass[track.Class] = _countedByClass.GetValueOrDefault(track.Class) + 1;
            var direction = Direction(track, scale);
            if (direction is { } d)
            {
                _countedByDirection[d] = _countedByDirection.GetValueOrDefault(d) + 1;
            }

            yield return new VideoEvent(VideoEventType.Count, time, zone.Name, track.Id, SourceBox(track.Box, scale), Confidence(track), _counted, ObjectClass: track.Class, Direction: direction);
        }
    }

    /// <summary>
    /// Which way a counted object crossed a band that has an inner side: from the side of the band's centre line where
    /// it was first seen to the side where it was last; none when the band has no inner side or the object came back.
    /// </summary>
    private CountDirection? Direction(Track track, double scale)
    {
        if (_inward is not { } inward || track.Feet.Count < 2)
        {
            return null;
        }

        var from = Side(track.Feet[0], scale);
        var to = Side(track.Feet[^1], scale);
        return from == to || from == 0 || to == 0 ? null : to == inward ? CountDirection.In : CountDirection.Out;
    }

    /// <summary>The side of the band's long centre line a foot (detection pixels) is on: 1, -1, or 0 on it.</summary>
    private int Side(Point2d foot, double scale) => Side(_centreLine, foot.X * scale, foot.Y * scale);

    private static int Side((double Cx, double Cy, double Nx, double Ny) line, double x, double y) =>
        Math.Sign((x - line.Cx) * line.Nx + (y - line.Cy) * line.Ny);

    /// <summary>The band's centre and the normal of its long axis (its smallest enclosing rotated rectangle's), in source pixels.</summary>
    private static (double Cx, double Cy, double Nx, double Ny) CentreLine(ImmutableArray<ImagePoint> polygon)
    {
        if (polygon.IsDefault || polygon.Length < 3)
        {
            return (0, 0, 0, 1);
        }

        var box = Cv2.MinAreaRect(polygon.Select(p => new Point2f((float)p.X, (float)p.Y)));
        var corners = box.Points();
        var (a, b, c) = (corners[0], corners[1], corners[2]);
        var (ux, uy) = Length(b - a) >= Length(c - b) ? (b.X - a.X, b.Y - a.Y) : (c.X - b.X, c.Y - b.Y);
        var length = Math.Sqrt(ux * ux + uy * uy);
        return (box.Center.X, box.Center.Y, -uy / length, ux / length);

        static double Length(Point2f v) => Math.Sqrt(v.X * v.X + v.Y * v.Y);
    }

    private bool IsInside(Point2d foot, double scale) =>
        Cv2.PointPolygonTest(_polygon, new Point2f((float)(foot.X * scale), (float)(foot.Y * scale)), false) >= 0;

    private IEnumerable<VideoEvent> Presence(List<Track> inside, double time, double scale)
    {
        if (inside.Count > 0)
        {
            if (double.IsNaN(_episodeStart))
            {
                _episodeStart = time;
                _episodeLoitered = false;
            }

            _episodeLast = time;
            _episodeTrack = inside.OrderBy(t => t.FirstSeen).First();
            if (!_episodeLoitered && zone.Seconds is { } limit && time - _episodeStart >= limit)
            {
                _episodeLoitered = true;
                yield return new VideoEvent(VideoEventType.Loitering, time, zone.Name, _episodeTrack.Id, SourceBox(_episodeTrack.Box, scale),
                    Confidence(_episodeTrack), inside.Count, Math.Round(time - _episodeStart, 1), _episodeTrack.Class);
            }
        }
        else if (!double.IsNaN(_episodeStart) && time - _episodeLast >= EpisodeGapSeconds)
        {
            yield return EndEpisode(scale);
        }
    }

    private VideoEvent EndEpisode(double scale)
    {
        var track = _episodeTrack!;
        var evt = new VideoEvent(VideoEventType.Presence, _episodeStart, zone.Name, track.Id, SourceBox(track.Box, scale), Confidence(track),
            1, Math.Round(_episodeLast - _episodeStart, 1), track.Class);
        _episodeStart = double.NaN;
        _episodeTrack = null;
        return evt;
    }

    /// <summary>A crowd is of people (or of the classes the zone names); motion-only tracks not told apart count too.</summary>
    private IEnumerable<VideoEvent> Crowding(List<Track> all, double time, double scale)
    {
        var inside = zone.OnlyClass is not null || zone.Classes is { Length: > 0 } ? all : [.. all.Where(t => t.Class is ObjectClass.Person or ObjectClass.Unknown)];
        var limit = zone.MinCount ?? 5;
        if (inside.Count >= limit)
        {
            _calmSince = double.NaN;
            if (double.IsNaN(_crowdSince))
            {
                _crowdSince = time;
            }

            if (!_crowdReported && time - _crowdSince >= 1)
            {
                _crowdReported = true;
                var around = inside.Select(t => t.Box).Aggregate((a, b) => a | b);
                yield return new VideoEvent(VideoEventType.Crowding, time, zone.Name, null, SourceBox(around, scale), 1, inside.Count, ObjectClass: inside.All(t => t.Class == ObjectClass.Person) ? ObjectClass.Person : null);
            }
        }
        else
        {
            _crowdSince = double.NaN;
            if (double.IsNaN(_calmSince))
            {
                _calmSince = time;
            }

            if (time - _calmSince >= 3)
            {
                _crowdReported = false;
            }
        }
    }

    private IEnumerable<VideoEvent> Stopped(List<Track> inside, double time, double scale)
    {
        var limit = zone.Seconds ?? 30;
        foreach (var track in inside.Where(t => time - t.StillSince >= limit && _reported.Add(t.Id)))
        {
            yield return new VideoEvent(VideoEventType.StoppedVehicle, time, zone.Name, track.Id, SourceBox(track.Box, scale), Confidence(track),
                DwellSeconds: Math.Round(time - track.StillSince, 1), ObjectClass: track.Class);
        }
    }

    /// <summary>The detector's confidence in the object; without a detector, how long it has been followed (ten frames is certain).</summary>
    private static double Confidence(Track track) => Math.Round(track.DetectorConfidence ?? Math.Min(1, track.Hits / 10.0), 2);
}
