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

    public IEnumerable<VideoEvent> Apply(IReadOnlyList<Track> tracks, double time, double scale)
    {
        var inside = tracks.Where(t => t.Confirmed && Contains(t.Box, scale) && (zone.OnlyClass is not { } only || t.Class == only)).ToList();
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
            AnalyticsZoneKind.Count => Count(inside, time, scale),
            AnalyticsZoneKind.Loitering => Presence(inside, time, scale),
            AnalyticsZoneKind.Crowding => Crowding(inside, time, scale),
            AnalyticsZoneKind.StoppedVehicle => Stopped(inside, time, scale),
            _ => [],
        };
    }

    /// <summary>Closes an open presence episode at the end of the stream.</summary>
    public IEnumerable<VideoEvent> Finish(double scale)
    {
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

    private IEnumerable<VideoEvent> Count(List<Track> inside, double time, double scale)
    {
        foreach (var track in inside.Where(t => _reported.Add(t.Id)))
        {
            _counted++;
            yield return new VideoEvent(VideoEventType.Count, time, zone.Name, track.Id, SourceBox(track.Box, scale), Confidence(track), _counted, ObjectClass: track.Class);
        }
    }

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

    private IEnumerable<VideoEvent> Crowding(List<Track> inside, double time, double scale)
    {
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
                var all = inside.Select(t => t.Box).Aggregate((a, b) => a | b);
                yield return new VideoEvent(VideoEventType.Crowding, time, zone.Name, null, SourceBox(all, scale), 1, inside.Count);
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

    private static double Confidence(Track track) => Math.Round(Math.Min(1, track.Hits / 10.0), 2);
}
