using CityControl.Devices;
using NetTopologySuite.Geometries;
using ProjNet.CoordinateSystems;
using ProjNet.CoordinateSystems.Transformations;
using CityControl.Incidents;

namespace CityControl.Rules.Geo;

/// <summary>
/// Ground measures between WGS84 points: both are projected (ProjNet) to a transverse Mercator centred on the first
/// point, where grid north is true north and scale is true, and measured by NetTopologySuite.
/// </summary>
public static class GeoDistance
{
    private static readonly CoordinateTransformationFactory Transformations = new();
    private static readonly CoordinateSystemFactory Systems = new();
    private static readonly GeometryFactory Geometry = new();

    public static double Meters(GeoPoint a, GeoPoint b)
    {
        var (pa, pb) = Project(a, b);
        return pa.Distance(pb);
    }

    /// <summary>The bearing from <paramref name="a"/> to <paramref name="b"/> in degrees clockwise from true north (0 to 360).</summary>
    public static double BearingDegrees(GeoPoint a, GeoPoint b)
    {
        var (pa, pb) = Project(a, b);
        var angle = NetTopologySuite.Algorithm.AngleUtility.ToDegrees(NetTopologySuite.Algorithm.AngleUtility.Angle(pa.Coordinate, pb.Coordinate));
        return (450 - angle) % 360;
    }

    /// <summary>Transforms to and from a local metric plane centred on <paramref name="origin"/>, for buffers and outlines in metres.</summary>
    public static (MathTransform ToLocal, MathTransform ToWgs84) LocalProjection(GeoPoint origin)
    {
        var projection = Systems.CreateProjection("local transverse Mercator", "Transverse_Mercator",
        [
            new ProjectionParameter("latitude_of_origin", origin.Latitude),
            new ProjectionParameter("central_meridian", origin.Longitude),
            new ProjectionParameter("scale_factor", 1),
            new ProjectionParameter("false_easting", 0),
            new ProjectionParameter("false_northing", 0),
        ]);
        var local = Systems.CreateProjectedCoordinateSystem("local", GeographicCoordinateSystem.WGS84, projection, LinearUnit.Metre,
            new AxisInfo("East", AxisOrientationEnum.East), new AxisInfo("North", AxisOrientationEnum.North));
        return (Transformations.CreateFromCoordinateSystems(GeographicCoordinateSystem.WGS84, local).MathTransform,
            Transformations.CreateFromCoordinateSystems(local, GeographicCoordinateSystem.WGS84).MathTransform);
    }

    /// <summary>
    /// A camera's field of view on the ground: the sector of <paramref name="rangeMeters"/> around
    /// <paramref name="bearingDegrees"/> (clockwise from true north), <paramref name="fieldOfViewDegrees"/> wide, as a
    /// WGS84 polygon (x longitude, y latitude). Built in metres on the camera's local projection.
    /// </summary>
    public static Polygon ViewSector(GeoPoint camera, double bearingDegrees, double fieldOfViewDegrees, double rangeMeters, int arcPoints = 16)
    {
        var (_, toWgs) = LocalProjection(camera);
        var shape = new NetTopologySuite.Utilities.GeometricShapeFactory(Geometry)
        {
            Centre = new Coordinate(0, 0),
            Size = 2 * rangeMeters,
            NumPoints = arcPoints,
        };

        // NetTopologySuite measures angles counter-clockwise from east; a bearing is clockwise from north.
        var fov = Math.Clamp(fieldOfViewDegrees, 1, 360);
        var start = NetTopologySuite.Algorithm.AngleUtility.ToRadians(90 - bearingDegrees - fov / 2);
        var local = shape.CreateArcPolygon(start, NetTopologySuite.Algorithm.AngleUtility.ToRadians(fov));
        var ring = local.Coordinates.Select(c => toWgs.Transform([c.X, c.Y])).Select(p => new Coordinate(p[0], p[1])).ToArray();
        return Geometry.CreatePolygon(ring);
    }

    /// <summary>
    /// The convex hull of the points buffered by <paramref name="marginMeters"/>, computed in metres on a local
    /// projection and returned as a WGS84 polygon (x longitude, y latitude): an area drawn around a group of devices.
    /// </summary>
    public static Polygon Hull(IReadOnlyList<GeoPoint> points, double marginMeters, int quadrantSegments = 8)
    {
        var (toLocal, toWgs) = LocalProjection(points[0]);
        var projected = points.Select(p => toLocal.Transform([p.Longitude, p.Latitude])).Select(xy => new Coordinate(xy[0], xy[1])).ToArray();
        var area = Geometry.CreateMultiPointFromCoords(projected).ConvexHull().Buffer(marginMeters, quadrantSegments);
        return Geometry.CreatePolygon([.. area.Coordinates.Select(c => toWgs.Transform([c.X, c.Y])).Select(p => new Coordinate(p[0], p[1]))]);
    }

    private static (Point A, Point B) Project(GeoPoint a, GeoPoint b)
    {
        var (toLocal, _) = LocalProjection(a);
        var pa = toLocal.Transform([a.Longitude, a.Latitude]);
        var pb = toLocal.Transform([b.Longitude, b.Latitude]);
        return (Geometry.CreatePoint(new Coordinate(pa[0], pa[1])), Geometry.CreatePoint(new Coordinate(pb[0], pb[1])));
    }
}
