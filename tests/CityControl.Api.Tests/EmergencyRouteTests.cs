using System.Net;
using System.Text.Json.Nodes;
using CityControl.Devices;
using CityControl.Rules.Geo;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace CityControl.Tests.Api;

/// <summary>Emergency-vehicle priority over the public API: two units on crossing routes, every signal's answer, the conflict, and the return to plan.</summary>
public sealed class EmergencyRouteTests
{
    private static readonly GeoPoint Junction = new(37.4900, 126.8900);
    private static readonly (string, string) Fire = ("fire", "fire-demo");
    private static readonly (string, string) Police = ("police", "police-demo");

    [Fact]
    public async Task Two_units_on_crossing_routes_every_signal_answers_the_higher_priority_goes_first_and_all_return_to_plan()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory(), time);
        var api = platform.Api;
        var district = MemoryPlatformFixture.NewId("route");
        string Id(string name) => $"{name}-{district}";

        // A cross: signals west, at and east of the junction on the east-west road, south and north of it on the other.
        foreach (var (name, east, north) in new[] { ("sig-w", -600.0, 0.0), ("sig-x", 0, 0), ("sig-e", 600, 0), ("sig-s", 0, -600), ("sig-n", 0, 600) })
        {
            var at = Offset(east, north);
            var credential = await api.OnboardAsync(new
            {
                id = Id(name), kind = "trafficSignal", name = Id(name), location = new { latitude = at.Latitude, longitude = at.Longitude }, district, zone = "cross",
                heartbeatSeconds = 600,
                trafficSignal = new { cycleSeconds = 90, phases = new[] { new { phase = 2, minGreenSeconds = 10, maxGreenSeconds = 40, yellowSeconds = 3, redClearanceSeconds = 2 } } },
            });
            using var report = await api.PostTelemetryAsync(credential, new { readings = new[] { TestDevices.Reading(Id(name), time.GetUtcNow(), "phase", 2, "phase") } });
            Assert.Equal(HttpStatusCode.Accepted, report.StatusCode);
        }

        // A fire incident and a police one nearby: a leak and an intrusion.
        await api.LeakAsync(district);
        var fireIncident = await api.WaitForIncidentAsync(district);
        await platform.RaiseIntrusionAsync(district);
        var policeIncident = await WaitForIncident(api, district, "intrusion");

        // Engine 3 comes from the west through the junction eastbound (fire: level 12); Patrol 7 from the south northbound (police: level 10).
        var engine = await Route(api, fireIncident, Fire, new { unit = "Engine 3", from = Offset(-900, 0), signals = new[] { Id("sig-w"), Id("sig-x"), Id("sig-e") } });
        var patrol = await Route(api, policeIncident, Police, new { unit = "Patrol 7", from = Offset(0, -900), signals = new[] { Id("sig-s"), Id("sig-x"), Id("sig-n") } });

        Assert.Equal([(Id("sig-w"), "EB", "granted"), (Id("sig-x"), "EB", "granted"), (Id("sig-e"), "EB", "granted")], Answers(engine));
        Assert.Equal([(Id("sig-s"), "NB", "granted"), (Id("sig-x"), "NB", "queued"), (Id("sig-n"), "NB", "granted")], Answers(patrol));
        var queued = patrol["answers"]!.AsArray().Single(a => a!["signalId"]!.GetValue<string>() == Id("sig-x"))!["detail"]!.GetValue<string>();
        Assert.Contains("Engine 3", queued, StringComparison.Ordinal);
        Assert.Contains("higher priority", queued, StringComparison.Ordinal);
        var junction = await api.GetJsonAsync($"/api/devices/{Id("sig-x")}", PlatformApi.Admin);
        Assert.Equal(2, junction["live"]!["priority"]!["requests"]!.AsArray().Count);
        Assert.Single(junction["live"]!["priority"]!["granted"]!.AsArray());

        // Engine 3 arrives: the junction turns to Patrol 7, which its route hears and the police incident records.
        using (var arrived = await api.SendAsync(HttpMethod.Post, $"/api/incidents/{fireIncident}/routes/Engine 3/complete", Fire))
        {
            Assert.Equal(HttpStatusCode.OK, arrived.StatusCode);
        }

        var promoted = await Poll.Until(async () => (await Routes(api, policeIncident, Police)).Single(), r => Answers(r).Contains((Id("sig-x"), "NB", "granted")));
        Assert.Equal([(Id("sig-s"), "NB", "granted"), (Id("sig-x"), "NB", "granted"), (Id("sig-n"), "NB", "granted")], Answers(promoted));
        using (var arrived = await api.SendAsync(HttpMethod.Post, $"/api/incidents/{policeIncident}/routes/Patrol 7/complete", Police))
        {
            Assert.Equal(HttpStatusCode.OK, arrived.StatusCode);
        }

        // Every signal is back on its plan, and both incidents' timelines hold every answer, with the signal that gave it.
        foreach (var name in new[] { "sig-w", "sig-x", "sig-e", "sig-s", "sig-n" })
        {
            Assert.Null((await api.GetJsonAsync($"/api/devices/{Id(name)}", PlatformApi.Admin))["live"]!["priority"]);
        }

        var fireLines = await Timeline(api, fireIncident);
        var policeLines = await Timeline(api, policeIncident);
        Assert.Contains(("fire", "route requested"), fireLines.Select(l => (l.Actor, l.Action)));
        Assert.Equal(3, fireLines.Count(l => l.Action == "priority granted"));
        Assert.Equal(3, fireLines.Count(l => l.Action == "priority cleared"));
        Assert.Contains(($"signal {Id("sig-x")}", "priority queued"), policeLines.Select(l => (l.Actor, l.Action)));
        var queuedAt = policeLines.FindIndex(l => l.Actor == $"signal {Id("sig-x")}" && l.Action == "priority queued");
        Assert.True(policeLines.FindIndex(queuedAt, l => l.Actor == $"signal {Id("sig-x")}" && l.Action == "priority granted") > queuedAt);
        Assert.Equal(3, policeLines.Count(l => l.Action == "priority cleared"));

        // The map's view of the routes: a line each and every signal with its answer.
        var map = await api.GetJsonAsync($"/api/incidents/{policeIncident}/routes", Police);
        Assert.Single(map["geojson"]!["features"]!.AsArray(), f => f!["properties"]!["layer"]!.GetValue<string>() == "route");
        Assert.Equal(3, map["geojson"]!["features"]!.AsArray().Count(f => f!["properties"]!["layer"]!.GetValue<string>() == "priority"));
    }

    [Fact]
    public async Task A_route_through_an_unknown_signal_or_at_a_bad_level_is_a_400_naming_the_field_and_a_police_dispatcher_cannot_route_a_fire_incident()
    {
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory());
        var api = platform.Api;
        var district = MemoryPlatformFixture.NewId("route-bad");
        await api.LeakAsync(district);
        var incident = await api.WaitForIncidentAsync(district);

        foreach (var (body, field) in new (object, string)[]
        {
            (new { unit = "Engine 1", from = Junction, signals = new[] { "sig-nowhere" } }, "signals[0]"),
            (new { unit = "Engine 1", from = Junction, signals = new[] { "sig-nowhere" }, importanceLevel = 15 }, "importanceLevel"),
            (new { unit = "Engine 1", signals = new[] { "sig-nowhere" } }, "from"),
            (new { unit = "", from = Junction, signals = new[] { "sig-nowhere" } }, "unit"),
            (new { unit = "Engine 1", from = Junction, signals = new[] { "a", "a" } }, "signals"),
        })
        {
            using var response = await api.SendAsync(HttpMethod.Post, $"/api/incidents/{incident}/routes", Fire, PlatformApi.Json(body));
            var problem = await PlatformApi.BodyAsync(response);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.NotNull(problem["errors"]![field]);
        }

        using var forbidden = await api.SendAsync(HttpMethod.Post, $"/api/incidents/{incident}/routes", Police, PlatformApi.Json(new { unit = "Patrol 1", from = Junction, signals = new[] { "x" } }));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }

    private static List<(string, string, string)> Answers(JsonNode route) =>
        [.. route["answers"]!.AsArray().Select(a => (a!["signalId"]!.GetValue<string>(), a["inboundApproach"]!.GetValue<string>(), a["status"]!.GetValue<string>()))];

    private static async Task<JsonNode> Route(PlatformApi api, string incident, (string, string) user, object body)
    {
        using var response = await api.SendAsync(HttpMethod.Post, $"/api/incidents/{incident}/routes", user, PlatformApi.Json(body));
        var json = await PlatformApi.BodyAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, json.ToJsonString());
        return json;
    }

    private static async Task<List<JsonNode>> Routes(PlatformApi api, string incident, (string, string) user) =>
        [.. (await api.GetJsonAsync($"/api/incidents/{incident}/routes", user))["routes"]!.AsArray().Select(r => r!)];

    private static async Task<List<(string Actor, string Action)>> Timeline(PlatformApi api, string incident) =>
        [.. (await api.GetJsonAsync($"/api/incidents/{incident}"))["timeline"]!.AsArray().Select(e => (e!["actor"]!.GetValue<string>(), e["action"]!.GetValue<string>()))];

    private static async Task<string> WaitForIncident(PlatformApi api, string district, string type) =>
        (await Poll.Until(
            async () => (await api.GetJsonAsync($"/api/incidents?district={district}&type={type}"))["items"]!.AsArray().FirstOrDefault(),
            i => i is not null))!["id"]!.GetValue<string>();

    private static GeoPoint Offset(double east, double north)
    {
        var (_, toWgs) = GeoDistance.LocalProjection(Junction);
        var p = toWgs.Transform([east, north]);
        return new GeoPoint(Math.Round(p[1], 7), Math.Round(p[0], 7));
    }
}
