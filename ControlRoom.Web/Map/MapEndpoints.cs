using System.Text.Json.Nodes;
using CityControl.Devices;
using CityControl.Web.Security;
using NetTopologySuite.Geometries;
using CityControl.Incidents;

namespace CityControl.Web.Map;

/// <summary>What the map starts from, from <c>CityControl:Map</c>: a tile server for real deployments, none offline.</summary>
public sealed class MapOptions
{
    public const string Section = "CityControl:Map";

    /// <summary>A Leaflet tile URL template; empty means the offline basemap (district outlines) only.</summary>
    public string TileUrl { get; set; } = "";

    public string TileAttribution { get; set; } = "";

    /// <summary>How far around its devices a district's outline reaches, in metres.</summary>
    public double DistrictMarginMeters { get; set; } = 250;
}

public static class MapEndpoints
{
    private static readonly GeometryFactory Geometry = new();

    public static IEndpointRouteBuilder MapMapEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/map", Get).RequireAuthorization(Policies.Staff).WithTags("Map")
            .WithSummary("The offline basemap: each district's outline (its devices' hull with a margin) as GeoJSON, and the tile server if one is configured.");
        return app;
    }

    private static async Task<IResult> Get(IGrainFactory grains, Microsoft.Extensions.Options.IOptions<MapOptions> options)
    {
        var devices = (await Task.WhenAll(Enumerable.Range(0, DeviceGrains.DirectoryPartitions)
                .Select(p => grains.GetGrain<IDeviceDirectoryGrain>(p).Query(new DeviceQuery()))))
            .SelectMany(x => x)
            .Where(d => d.Status != LifecycleStatus.Decommissioned)
            .ToList();
        var features = new JsonArray();
        foreach (var district in devices.GroupBy(d => d.District, StringComparer.OrdinalIgnoreCase).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            features.Add(new JsonObject
            {
                ["type"] = "Feature",
                ["properties"] = new JsonObject { ["district"] = district.Key, ["devices"] = district.Count() },
                ["geometry"] = Outline(district.Select(d => d.Location).ToList(), options.Value.DistrictMarginMeters),
            });
        }

        return Results.Ok(new JsonObject
        {
            ["tileUrl"] = options.Value.TileUrl,
            ["tileAttribution"] = options.Value.TileAttribution,
            ["districts"] = new JsonObject { ["type"] = "FeatureCollection", ["features"] = features },
        });
    }

    /// <summary>The convex hull of the points buffered by the margin, computed in metres on a local projection and returned in WGS84.</summary>
    internal static JsonObject Outline(IReadOnlyList<GeoPoint> points, double marginMeters)
    {
        var (toLocal, toWgs) = GeoDistance.LocalProjection(points[0]);
        var projected = points.Select(p => toLocal.Transform([p.Longitude, p.Latitude])).Select(xy => new Coordinate(xy[0], xy[1])).ToArray();
        var area = Geometry.CreateMultiPointFromCoords(projected).ConvexHull().Buffer(marginMeters, 8);
        var ring = new JsonArray();
        foreach (var c in area.Coordinates)
        {
            var lonLat = toWgs.Transform([c.X, c.Y]);
            ring.Add(new JsonArray(Math.Round(lonLat[0], 6), Math.Round(lonLat[1], 6)));
        }

        return new JsonObject { ["type"] = "Polygon", ["coordinates"] = new JsonArray(ring) };
    }
}
