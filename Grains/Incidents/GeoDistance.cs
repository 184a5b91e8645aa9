using CityControl.Devices;
using NetTopologySuite.Geometries;
using ProjNet.CoordinateSystems;
using ProjNet.CoordinateSystems.Transformations;

namespace CityControl.Incidents;

/// <summary>Distances between WGS84 points in metres: both projected to the UTM zone of the first (ProjNet), measured by NetTopologySuite.</summary>
public static class GeoDistance
{
    private static readonly CoordinateTransformationFactory Transformations = new();
    private static readonly GeometryFactory Geometry = new();

    public static double Meters(GeoPoint a, GeoPoint b)
    {
        var zone = (int)Math.Floor((a.Longitude + 180) / 6) % 60 + 1;
        var utm = ProjectedCoordinateSystem.WGS84_UTM(zone, a.Latitude >= 0);
        var transform = Transformations.CreateFromCoordinateSystems(GeographicCoordinateSystem.WGS84, utm).MathTransform;
        var pa = transform.Transform([a.Longitude, a.Latitude]);
        var pb = transform.Transform([b.Longitude, b.Latitude]);
        return Geometry.CreatePoint(new Coordinate(pa[0], pa[1])).Distance(Geometry.CreatePoint(new Coordinate(pb[0], pb[1])));
    }
}
