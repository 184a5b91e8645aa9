using System.Net;
using System.Text.Json.Nodes;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;

namespace CityControl.Tests.Api;

/// <summary>The fire roster: the leak's hazard response proposes the nearest available units, and a dispatched unit follows its incident.</summary>
public sealed class UnitRosterTests
{
    private static readonly (string, string) Fire = ("fire", "fire-demo");

    [Fact]
    public async Task A_leak_proposes_the_nearest_available_fire_units_and_a_dispatched_unit_is_busy_until_the_incident_is_resolved()
    {
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory());
        var api = platform.Api;

        // Stations 0.6 km, 1.7 km and 4.2 km from the test leak (37.4851, 126.8990); the nearest is out of service.
        foreach (var (id, name, lat, lon) in new[] { ("near", "Near Engine", 37.4905, 126.8990), ("mid", "Mid Engine", 37.5004, 126.8990), ("far", "Far Engine", 37.5229, 126.8990), ("broken", "Broken Engine", 37.4860, 126.8990) })
        {
            using var put = await api.SendAsync(HttpMethod.Put, $"/api/units/fire/{id}", PlatformApi.Admin, PlatformApi.Json(new { name, station = new { latitude = lat, longitude = lon } }));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using (var broken = await api.SendAsync(HttpMethod.Post, "/api/units/fire/broken/status", Fire, PlatformApi.Json(new { status = "outOfService" })))
        {
            Assert.Equal(HttpStatusCode.OK, broken.StatusCode);
        }

        var district = MemoryPlatformFixture.NewId("units");
        await api.LeakAsync(district);
        var incident = await api.WaitForIncidentAsync(district);
        var proposal = await Poll.Until(async () => (await Timeline(api, incident)).FirstOrDefault(e => e.Action == "fire units proposed"), e => e.Action is not null);
        Assert.Equal("hazard model", proposal.Actor);
        Assert.Equal("Near Engine (near) 0.6 km, Mid Engine (mid) 1.7 km, Far Engine (far) 4.2 km", proposal.Detail);

        // Dispatching with a rostered unit makes it busy on the roster; resolving frees it.
        foreach (var (action, body) in new (string, object?)[] { ("acknowledge", null), ("dispatch", new { unit = "near" }) })
        {
            using var response = await api.SendAsync(HttpMethod.Post, $"/api/incidents/{incident}/actions/{action}", action == "acknowledge" ? PlatformApi.Operator : Fire, body is null ? null : PlatformApi.Json(body));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var busy = await Poll.Until(() => Unit(api, "near"), u => u["status"]!.GetValue<string>() == "dispatched");
        Assert.Equal(incident, busy["incidentId"]!.GetValue<string>());
        var available = await api.GetJsonAsync("/api/units/fire/available?latitude=37.4851&longitude=126.8990", Fire);
        Assert.Equal(["mid", "far"], available.AsArray().Select(a => a!["unit"]!["id"]!.GetValue<string>()));
        Assert.Equal(1.7, available[0]!["meters"]!.GetValue<double>() / 1000, 0.05);

        foreach (var action in new[] { "en-route", "on-scene", "resolve" })
        {
            using var response = await api.SendAsync(HttpMethod.Post, $"/api/incidents/{incident}/actions/{action}", Fire);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var free = await Poll.Until(() => Unit(api, "near"), u => u["status"]!.GetValue<string>() == "available");
        Assert.Null(free["incidentId"]);
    }

    [Fact]
    public async Task Bad_units_are_400s_naming_the_field_and_only_the_agencys_dispatchers_set_its_units_status()
    {
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory());
        var api = platform.Api;
        foreach (var (id, body, field) in new (string, object, string)[]
        {
            ("e1", new { name = "", station = new { latitude = 37.5, longitude = 126.9 } }, "name"),
            ("e1", new { name = "Engine", station = new { latitude = 137.5, longitude = 126.9 } }, "station"),
            ("bad id!", new { name = "Engine", station = new { latitude = 37.5, longitude = 126.9 } }, "id"),
        })
        {
            using var response = await api.SendAsync(HttpMethod.Put, $"/api/units/fire/{Uri.EscapeDataString(id)}", PlatformApi.Admin, PlatformApi.Json(body));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{id}: {response.StatusCode}");
            Assert.NotNull((await PlatformApi.BodyAsync(response))["errors"]![field]);
        }

        using (var put = await api.SendAsync(HttpMethod.Put, "/api/units/fire/e1", PlatformApi.Admin, PlatformApi.Json(new { name = "Engine 1", station = new { latitude = 37.5, longitude = 126.9 } })))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using var police = await api.SendAsync(HttpMethod.Post, "/api/units/fire/e1/status", PlatformApi.Police, PlatformApi.Json(new { status = "outOfService" }));
        Assert.Equal(HttpStatusCode.Forbidden, police.StatusCode);
        using var badStatus = await api.SendAsync(HttpMethod.Post, "/api/units/fire/e1/status", Fire, PlatformApi.Json(new { status = "asleep" }));
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
        using var unknown = await api.SendAsync(HttpMethod.Post, "/api/units/fire/nobody/status", Fire, PlatformApi.Json(new { status = "available" }));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var noAgency = await api.SendAsync(HttpMethod.Get, "/api/units/army", Fire);
        Assert.Equal(HttpStatusCode.NotFound, noAgency.StatusCode);
    }

    private static async Task<JsonNode> Unit(PlatformApi api, string id) =>
        (await api.GetJsonAsync("/api/units/fire", Fire)).AsArray().Single(u => u!["id"]!.GetValue<string>() == id)!;

    private static async Task<List<(string Actor, string Action, string Detail)>> Timeline(PlatformApi api, string incident) =>
        [.. (await api.GetJsonAsync($"/api/incidents/{incident}"))["timeline"]!.AsArray().Select(e => (e!["actor"]!.GetValue<string>(), e["action"]!.GetValue<string>(), e["detail"]!.GetValue<string>()))];
}
