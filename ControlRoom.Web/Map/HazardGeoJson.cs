using System.Text.Json.Nodes;
using CityControl.Devices;
using CityControl.Incidents;

namespace CityControl.Web.Map;

/// <summary>A hazard response as GeoJSON features for the map: the zone, the plume's contours, the source, and each signal with its answer.</summary>
public static class HazardGeoJson
{
    public static JsonObject Of(HazardResponse response, IReadOnlyDictionary<string, DeviceSummary> signals)
    {
        var features = new JsonArray();
        if (response.Zone is { } zone)
        {
            features.Add(Feature(Polygon(zone.Outline), new JsonObject
            {
                ["layer"] = "zone",
                ["version"] = zone.Version,
                ["material"] = zone.Material,
                ["isolationMeters"] = zone.IsolationMeters,
                ["protectiveMeters"] = zone.ProtectiveMeters,
                ["basis"] = zone.Basis,
            }));
            foreach (var contour in zone.Plume?.Contours ?? [])
            {
                features.Add(Feature(Polygon(contour.Outline), new JsonObject
                {
                    ["layer"] = "plume",
                    ["level"] = contour.Level,
                    ["ppm"] = contour.Ppm,
                    ["reachMeters"] = contour.ReachMeters,
                }));
            }

            features.Add(Feature(Point(zone.Source), new JsonObject
            {
                ["layer"] = "source",
                ["windFrom"] = zone.Wind?.FromDegrees,
                ["windSpeed"] = zone.Wind?.SpeedMetersPerSecond,
            }));
        }

        foreach (var answer in response.Signals)
        {
            if (signals.TryGetValue(answer.SignalId, out var signal))
            {
                features.Add(Feature(Point(signal.Location), new JsonObject
                {
                    ["layer"] = "signal",
                    ["id"] = answer.SignalId,
                    ["name"] = signal.Name,
                    ["plan"] = answer.Plan.ToString(),
                    ["accepted"] = answer.Accepted,
                    ["detail"] = answer.Detail,
                }));
            }
        }

        return new JsonObject { ["type"] = "FeatureCollection", ["features"] = features };
    }

    /// <summary>Emergency routes: each a line from the unit's start through its signals, and each signal with its answer.</summary>
    public static JsonObject OfRoutes(IEnumerable<CityControl.Traffic.EmergencyRoute> routes)
    {
        var features = new JsonArray();
        foreach (var route in routes)
        {
            features.Add(Feature(
                new JsonObject { ["type"] = "LineString", ["coordinates"] = new JsonArray([.. route.Stops.Select(s => s.Location).Prepend(route.From).Select(p => (JsonNode)new JsonArray(p.Longitude, p.Latitude))]) },
                new JsonObject { ["layer"] = "route", ["unit"] = route.Unit, ["role"] = route.Role.ToString(), ["active"] = route.Active }));
            foreach (var stop in route.Stops)
            {
                var answer = route.Answers.FirstOrDefault(a => a.SignalId == stop.SignalId);
                features.Add(Feature(Point(stop.Location), new JsonObject
                {
                    ["layer"] = "priority",
                    ["unit"] = route.Unit,
                    ["id"] = stop.SignalId,
                    ["approach"] = stop.InboundApproach,
                    ["eta"] = stop.Eta,
                    ["status"] = answer is null ? null : System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(answer.Status.ToString()),
                    ["detail"] = answer?.Detail,
                }));
            }
        }

        return new JsonObject { ["type"] = "FeatureCollection", ["features"] = features };
    }

    private static JsonObject Feature(JsonObject geometry, JsonObject properties) =>
        new() { ["type"] = "Feature", ["properties"] = properties, ["geometry"] = geometry };

    private static JsonObject Point(GeoPoint p) =>
        new() { ["type"] = "Point", ["coordinates"] = new JsonArray(p.Longitude, p.Latitude) };

    private static JsonObject Polygon(IEnumerable<GeoPoint> ring) =>
        new() { ["type"] = "Polygon", ["coordinates"] = new JsonArray(new JsonArray([.. ring.Select(p => (JsonNode)new JsonArray(p.Longitude, p.Latitude))])) };
}
