using System.Collections.Immutable;

namespace CityControl.Video;

/// <summary>What a zone watches for.</summary>
public enum AnalyticsZoneKind
{
    /// <summary>Any (or the given class of) object in the zone is an incident, e.g. a person or cyclist on a motorway hard shoulder.</summary>
    Intrusion,

    /// <summary>Each visit to the zone is a presence episode with its dwell time; one longer than the set time is loitering.</summary>
    Loitering,

    /// <summary>More objects in the zone than the set count.</summary>
    Crowding,

    /// <summary>An object standing still in a traffic-lane zone longer than the set time.</summary>
    StoppedVehicle,

    /// <summary>Counts objects entering the zone (a counting line drawn as a thin band).</summary>
    Count,
}

/// <summary>
/// What a tracked object is. Motion-only analysis tells <see cref="Person"/> from <see cref="Vehicle"/> by shape; a
/// trained detector names the kind of road user (bicycle, car, motorcycle, bus, truck). A bicycle or motorcycle
/// includes its rider.
/// </summary>
public enum ObjectClass
{
    Unknown,
    Person,
    Vehicle,
    Bicycle,
    Car,
    Motorcycle,
    Bus,
    Truck,
}

/// <summary>How a camera's pipeline finds objects.</summary>
public enum DetectorMode
{
    /// <summary>Moving blobs, told apart by shape: cheap, enough where only "something moved" matters.</summary>
    Motion,

    /// <summary>A trained object detector run where motion is (and on objects being followed), naming each object's class.</summary>
    Objects,
}

public static class ObjectClasses
{
    /// <summary>Vehicles of the road, for zones that care about any of them.</summary>
    public static bool IsVehicle(this ObjectClass c) => c is ObjectClass.Vehicle or ObjectClass.Car or ObjectClass.Motorcycle or ObjectClass.Bus or ObjectClass.Truck;

    /// <summary>Whether an object of class <paramref name="c"/> is one a filter names: Vehicle names every vehicle.</summary>
    public static bool Matches(this ObjectClass c, ObjectClass filter) => c == filter || filter == ObjectClass.Vehicle && c.IsVehicle();
}

/// <summary>A point in source image pixels (x to the right, y down).</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.image-point.v1")]
public sealed record class ImagePoint(
    [property: Id(0)] double X,
    [property: Id(1)] double Y);

/// <summary>
/// A zone of a camera's image: objects are in it when the bottom centre of their box is (where they touch the ground).
/// <see cref="Seconds"/> is the dwell (loitering), standstill (stopped vehicle) or least time in the zone (intrusion, 1 s by default); <see cref="MinCount"/> the
/// crowding count; the hours, when set, limit an intrusion zone to that local time window. A counting band at an
/// entrance may have an <see cref="InwardPoint"/>, a point beyond the band on the inner side (in the car park): an object
/// that crosses the band towards it is counted in, one that crosses it the other way out.
/// </summary>
[GenerateSerializer, Immutable, Alias("citycontrol.analytics-zone.v1")]
public sealed record class AnalyticsZone(
    [property: Id(0)] string Name,
    [property: Id(1)] AnalyticsZoneKind Kind,
    [property: Id(2)] ImmutableArray<ImagePoint> Polygon,
    [property: Id(3)] ObjectClass? OnlyClass = null,
    [property: Id(4)] double? Seconds = null,
    [property: Id(5)] int? MinCount = null,
    [property: Id(6)] int? ActiveFromHour = null,
    [property: Id(7)] int? ActiveToHour = null,
    [property: Id(8)] ImmutableArray<ObjectClass>? Classes = null,
    [property: Id(9)] ImagePoint? InwardPoint = null)
{
    /// <summary>Whether the zone watches objects of this class: all when it names none.</summary>
    public bool Watches(ObjectClass c) =>
        (OnlyClass is not { } only || c.Matches(only)) && (Classes is not { Length: > 0 } classes || classes.Any(f => c.Matches(f)));
}

/// <summary>
/// How a camera's pipeline analyses its stream: the detection frame width (frames are scaled down to it), the analysis
/// rate, the smallest moving object (in detection pixels), zones and motion masks (polygons in source pixels, where
/// motion is ignored: swaying trees, burnt-in timestamps), and whether to watch for tampering.
/// <see cref="BackgroundRatio"/> is the share of a pixel's history taken as background (MOG2): the lower it is, the
/// longer an object that stops (a person sitting at a table) stays in the foreground; 0.9 suits traffic.
/// </summary>
[GenerateSerializer, Immutable, Alias("citycontrol.camera-analytics.v1")]
public sealed record class CameraAnalyticsConfig(
    [property: Id(0)] ImmutableArray<AnalyticsZone> Zones,
    [property: Id(1)] ImmutableArray<ImmutableArray<ImagePoint>> MotionMasks,
    [property: Id(2)] double AnalysisFps = 5,
    [property: Id(3)] int DetectionWidth = 320,
    [property: Id(4)] double MinObjectArea = 40,
    [property: Id(5)] bool Tampering = true,
    [property: Id(6)] bool DetectPeople = false,
    [property: Id(7)] double BackgroundRatio = 0.9,
    [property: Id(8)] DetectorMode Detector = DetectorMode.Motion,
    [property: Id(9)] double MinConfidence = 0.35)
{
    public static readonly CameraAnalyticsConfig Default = new([], []);
}

public enum VideoEventType
{
    Intrusion,
    Loitering,
    Presence,
    Crowding,
    StoppedVehicle,
    Count,
    Tampering,
    StreamLost,
    StreamRestored,
}

/// <summary>
/// One conclusion of a camera's pipeline. <see cref="Time"/> is seconds from the start of the stream; the box is
/// [x, y, w, h] in source pixels. <see cref="Detector"/> names the trained detector that classed the object, whose
/// score <see cref="Confidence"/> then is; without one, the confidence is how long the object was followed. Evidence (snapshot and clip in blob storage, with their SHA-256) is attached when stored.
/// </summary>
[GenerateSerializer, Immutable, Alias("citycontrol.video-event.v1")]
public sealed record class VideoEvent(
    [property: Id(0)] VideoEventType Type,
    [property: Id(1)] double Time,
    [property: Id(2)] string? Zone,
    [property: Id(3)] int? TrackId,
    [property: Id(4)] ImmutableArray<int>? Box,
    [property: Id(5)] double Confidence,
    [property: Id(6)] int? Count = null,
    [property: Id(7)] double? DwellSeconds = null,
    [property: Id(8)] ObjectClass? ObjectClass = null,
    [property: Id(9)] string? Detail = null,
    [property: Id(10)] DateTimeOffset? At = null,
    [property: Id(11)] ImmutableArray<EvidenceItem>? Evidence = null,
    [property: Id(12)] string? Detector = null,
    [property: Id(13)] CountDirection? Direction = null);

/// <summary>Which way a counted object crossed a counting band that has an inner side.</summary>
public enum CountDirection
{
    In,
    Out,
}

/// <summary>A stored piece of evidence: where it is and the SHA-256 of its bytes, so any later change is detectable.</summary>
[GenerateSerializer, Immutable, Alias("citycontrol.evidence-item.v1")]
public sealed record class EvidenceItem(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Uri,
    [property: Id(2)] string Sha256,
    [property: Id(3)] long Bytes,
    [property: Id(4)] string ContentType);
