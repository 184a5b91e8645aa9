using System.Text.Json;
using System.Text.Json.Nodes;
using CityControl.Devices;
using CityControl.Web.Security;
using NetTopologySuite.Geometries;
using CityControl.Incidents;
using CityControl.Rules.Geo;

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

    /// <summary>The folder of the offline basemap's GeoJSON files (relative to the content root); empty: no basemap.</summary>
    public string BasemapFolder { get; set; } = "";

    /// <summary>The basemap's layers when its folder has no <c>basemap.json</c> (appsettings.json describes Seoul's).</summary>
    public List<BasemapLayer> BasemapLayers { get; set; } = [];
}

public static class MapEndpoints
{
    public static IEndpointRouteBuilder MapMapEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/map", Get).RequireAuthorization(Policies.Staff).WithTags("Map")
            .RequireRateLimiting(CityControl.Web.Api.ApiFeature.QueryRateLimit)
            .Produces<System.Text.Json.Nodes.JsonObject>()
            .WithSummary("What the map draws under the devices: the basemap's layers (fetched from /api/map/layers/{name}), each district's devices' hull with a margin, the cameras' fields of view, and the tile server if one is configured.");
        app.MapGet("/api/map/names", (Basemap basemap) => Results.Ok(basemap.PlaceNames)).RequireAuthorization(Policies.Staff).WithTags("Map")
            .Produces<IReadOnlyList<PlaceName>>()
            .WithSummary("The basemap's districts and neighbourhoods by their local and English names, so that pages show a device's district in the user's language.");
        app.MapGet("/api/map/layers/{name}", Layer).RequireAuthorization(Policies.Staff).WithTags("Map")
            .Produces<System.Text.Json.Nodes.JsonObject>(StatusCodes.Status200OK, "application/geo+json")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("One layer of the offline basemap as GeoJSON, as the basemap folder holds it (cached by the browser, revalidated by its date).");
        return app;
    }

    private static IResult Layer(string name, Basemap basemap) =>
        basemap.PathOf(name) is { } path
            ? Results.File(path, "application/geo+json", lastModified: File.GetLastWriteTimeUtc(path))
            : CityControl.Web.Api.Problems.NotFound($"Basemap layer '{name}'");

    private static async Task<IResult> Get(IGrainFactory grains, Microsoft.Extensions.Options.IOptions<MapOptions> options, Basemap basemap)
    {
        var devices = (await grains.QueryDevices(new DeviceQuery()))
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

        var views = new JsonArray();
        foreach (var camera in devices.Where(d => d.Kind == DeviceKind.Camera))
        {
            var settings = (await grains.GetDevice(DeviceKind.Camera, camera.Id).GetSnapshot())?.Definition.Camera;
            if (settings is { BearingDegrees: { } bearing, FieldOfViewDegrees: { } fov, RangeMeters: { } range })
            {
                views.Add(new JsonObject
                {
                    ["type"] = "Feature",
                    ["properties"] = new JsonObject { ["id"] = camera.Id, ["name"] = camera.Name, ["district"] = camera.District, ["bearing"] = bearing, ["fieldOfView"] = fov, ["range"] = range },
                    ["geometry"] = ToGeoJson(GeoDistance.ViewSector(camera.Location, bearing, fov, range)),
                });
            }
        }

        var layers = new JsonArray();
        foreach (var (name, layer) in basemap.Layers)
        {
            layers.Add(new JsonObject
            {
                ["name"] = name,
                ["role"] = JsonNamingPolicy.CamelCase.ConvertName(layer.Role.ToString()),
                ["url"] = $"/api/map/layers/{Uri.EscapeDataString(name)}",
                ["nameProperty"] = layer.NameProperty,
                ["englishNameProperty"] = layer.EnglishNameProperty ?? layer.NameProperty,
                ["colourProperty"] = layer.ColourProperty,
                ["attribution"] = layer.Attribution,
            });
        }

        return Results.Ok(new JsonObject
        {
            ["basemap"] = layers,
            ["tileUrl"] = options.Value.TileUrl,
            ["tileAttribution"] = options.Value.TileAttribution,
            ["districts"] = new JsonObject { ["type"] = "FeatureCollection", ["features"] = features },
            ["cameraViews"] = new JsonObject { ["type"] = "FeatureCollection", ["features"] = views },
        });
    }

    /// <summary>The convex hull of the points buffered by the margin, computed in metres on a local projection and returned in WGS84.</summary>
    internal static JsonObject Outline(IReadOnlyList<GeoPoint> points, double marginMeters) => ToGeoJson(GeoDistance.Hull(points, marginMeters));

    /// <summary>A WGS84 polygon (x longitude, y latitude) as a GeoJSON geometry, to a micro-degree (about 0.1 m).</summary>
    private static JsonObject ToGeoJson(Polygon polygon)
    {
        var ring = new JsonArray();
        foreach (var c in polygon.ExteriorRing.Coordinates)
        {
            ring.Add(new JsonArray(Math.Round(c.X, 6), Math.Round(c.Y, 6)));
        }

        return new JsonObject { ["type"] = "Polygon", ["coordinates"] = new JsonArray(ring) };
    }
}
