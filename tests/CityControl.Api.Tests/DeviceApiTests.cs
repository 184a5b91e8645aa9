using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;

namespace CityControl.Tests.Api;

[Collection(MemoryPlatformCollection.Name)]
public sealed class DeviceApiTests(MemoryPlatformFixture fixture)
{
    private PlatformApi Api => fixture.Api;

    [Fact]
    public async Task Onboarding_needs_an_admin()
    {
        var body = TestDevices.Gas(MemoryPlatformFixture.NewId("gas"));

        using var anonymous = await Api.SendAsync(HttpMethod.Post, "/api/devices", null, PlatformApi.Json(body));
        using var asOperator = await Api.PostJsonAsync("/api/devices", body, PlatformApi.Operator);
        using var asPolice = await Api.PostJsonAsync("/api/devices", body, PlatformApi.Police);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, asOperator.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, asPolice.StatusCode);
    }

    [Fact]
    public async Task A_bad_device_is_a_400_naming_each_broken_field()
    {
        var body = new
        {
            id = "bad id!",
            kind = "gasSensor",
            name = "x",
            location = new { latitude = 123.0, longitude = 126.9 },
            district = "Guro",
            zone = "plant-1",
            gasSensor = new { gas = "NH3", unit = "ppm", low = 40, high = 35 },
        };

        using var response = await Api.PostJsonAsync("/api/devices", body, PlatformApi.Admin);
        var problem = await PlatformApi.BodyAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var fields = problem["errors"]!.AsObject().Select(kv => kv.Key).Order().ToArray();
        Assert.Equal(["gasSensor.high", "id", "location.latitude"], fields);
        Assert.Equal("must be above low", problem["errors"]!["gasSensor.high"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Unknown_kind_and_broken_json_are_400s()
    {
        using var kind = await Api.PostJsonAsync("/api/devices", new { id = "x1", kind = "toaster" }, PlatformApi.Admin);
        using var json = await Api.PostJsonAsync("/api/devices", "{\"id\": \"x\", \"location\": {\"latitude\": \"north\"}}", PlatformApi.Admin);

        Assert.Equal(HttpStatusCode.BadRequest, kind.StatusCode);
        Assert.Contains("'toaster' is not a device kind", (await PlatformApi.BodyAsync(kind))["errors"]!["kind"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
        Assert.NotNull((await PlatformApi.BodyAsync(json))["errors"]!["location.latitude"]);
    }

    [Fact]
    public async Task A_device_is_onboarded_once_listed_changed_and_decommissioned_with_its_history_kept()
    {
        var id = MemoryPlatformFixture.NewId("flood");
        var credential = await Api.OnboardAsync(TestDevices.Flood(id, district: "Test-" + id));
        using var again = await Api.PostJsonAsync("/api/devices", TestDevices.Flood(id), PlatformApi.Admin);
        (await Api.PostTelemetryAsync(credential, new { readings = new[] { TestDevices.Reading(id, DateTimeOffset.UtcNow, "waterLevel", 0.1, "m") } })).Dispose();

        var listed = await Api.GetJsonAsync($"/api/devices?district=Test-{id}&kind=floodSensor");
        using var patch = await Api.SendAsync(HttpMethod.Patch, $"/api/devices/{id}", PlatformApi.Admin, PlatformApi.Json(new { status = "maintenance", floodSensor = new { referenceLevel = 0, alertLevel = 0.05, dangerLevel = 0.5 } }));
        var patched = await PlatformApi.BodyAsync(patch);
        using var backwards = await Api.SendAsync(HttpMethod.Patch, $"/api/devices/{id}", PlatformApi.Admin, PlatformApi.Json(new { status = "provisioned" }));
        using var decommission = await Api.SendAsync(HttpMethod.Delete, $"/api/devices/{id}", PlatformApi.Admin);
        using var revive = await Api.SendAsync(HttpMethod.Patch, $"/api/devices/{id}", PlatformApi.Admin, PlatformApi.Json(new { status = "active" }));
        var after = await Api.GetJsonAsync($"/api/devices/{id}");
        var history = await Api.GetJsonAsync($"/api/devices/{id}/readings");
        var events = await Api.GetJsonAsync($"/api/devices/{id}/events");

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal([id], listed["items"]!.AsArray().Select(d => d!["id"]!.GetValue<string>()));
        Assert.Equal("active", listed["items"]![0]!["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.Equal("maintenance", patched["status"]!.GetValue<string>());
        Assert.Equal("alert", patched["live"]!["floodStage"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, backwards.StatusCode);
        Assert.Equal(HttpStatusCode.OK, decommission.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, revive.StatusCode);
        Assert.Equal("decommissioned", after["status"]!.GetValue<string>());
        Assert.Single(history.AsArray());

        // The audit identity is the user name, as on incidents: not the display name ("Demo city admin").
        var lifecycle = events.AsArray().Select(e => e!["detail"]!.GetValue<string>()).Where(d => d.Contains(" by ", StringComparison.Ordinal)).ToList();
        Assert.Contains("Active -> Maintenance by admin", lifecycle);
        Assert.Contains("changed by admin", lifecycle);
        Assert.Contains("Maintenance -> Decommissioned by admin", lifecycle);

        // Each says it as a phrase too, its statuses as words a page translates ("점검 중 → 폐기됨 (admin)").
        var decommissioned = events.AsArray().Single(e => e!["detail"]!.GetValue<string>() == "Maintenance -> Decommissioned by admin")!["said"]!;
        Assert.Equal("device.lifecycleBy", decommissioned["key"]!.GetValue<string>());
        Assert.Equal(["@lifecycle.maintenance|Maintenance", "@lifecycle.decommissioned|Decommissioned", "admin"],
            decommissioned["args"]!.AsArray().Select(a => a!.GetValue<string>()));
    }

    [Fact]
    public async Task A_rotated_credential_replaces_the_old_one()
    {
        var id = MemoryPlatformFixture.NewId("gas");
        var old = await Api.OnboardAsync(TestDevices.Gas(id));
        using var rotate = await Api.SendAsync(HttpMethod.Post, $"/api/devices/{id}/credential", PlatformApi.Admin);
        var fresh = await PlatformApi.BodyAsync(rotate);
        var batch = new { readings = new[] { TestDevices.Reading(id, DateTimeOffset.UtcNow, "concentration", 1, "ppm") } };

        using var withOld = await Api.PostTelemetryAsync(old, batch);
        using var withNew = await Api.PostTelemetryAsync((fresh["username"]!.GetValue<string>(), fresh["secret"]!.GetValue<string>()), batch);

        Assert.Equal(HttpStatusCode.Unauthorized, withOld.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, withNew.StatusCode);
    }

    [Fact]
    public async Task Csv_import_reports_each_bad_row_by_number_and_field_and_dry_run_writes_nothing()
    {
        var district = MemoryPlatformFixture.NewId("district");
        var a = MemoryPlatformFixture.NewId("cam");
        var b = MemoryPlatformFixture.NewId("gas");
        var c = MemoryPlatformFixture.NewId("flood");
        var csv = $"""
            id,kind,name,latitude,longitude,district,zone,gas,unit,low,high,referenceLevel,alertLevel,dangerLevel
            {a},camera,"Gate camera, north",37.48,126.89,{district},gate,,,,,,,
            {b},gasSensor,Ammonia,37.48,126.90,{district},plant-1,NH3,ppm,25,abc,,,
            {c},floodSensor,Gauge,37.52,126.93,{district},parking-1,,,,,0,0.3,0.6
            """;

        var dry = await Import(csv, "text/csv", "?dryRun=true");
        var dryList = await Api.GetJsonAsync($"/api/devices?district={district}");
        var atomic = await ImportResponse(csv, "text/csv", "?atomic=true");
        var real = await Import(csv, "text/csv", "");
        var list = await Api.GetJsonAsync($"/api/devices?district={district}");

        Assert.Equal([2, 4], dry["accepted"]!.AsArray().Select(r => r!["row"]!.GetValue<int>()));
        Assert.Null(dry["accepted"]![0]!["secret"]);
        Assert.Empty(dryList["items"]!.AsArray());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, atomic.StatusCode);
        Assert.Equal([2, 4], real["accepted"]!.AsArray().Select(r => r!["row"]!.GetValue<int>()));
        Assert.False(string.IsNullOrEmpty(real["accepted"]![0]!["secret"]!.GetValue<string>()));
        var rejected = Assert.Single(real["rejected"]!.AsArray())!;
        Assert.Equal(3, rejected["row"]!.GetValue<int>());
        Assert.Equal("high", rejected["field"]!.GetValue<string>());
        Assert.Equal("'abc' is not a number", rejected["reason"]!.GetValue<string>());
        Assert.Equal(new[] { a, c }.Order(), list["items"]!.AsArray().Select(d => d!["id"]!.GetValue<string>()).Order());
        Assert.Equal("Gate camera, north", list["items"]!.AsArray().Single(d => d!["id"]!.GetValue<string>() == a)!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task GeoJson_import_reports_the_bad_feature_and_onboards_the_rest()
    {
        var district = MemoryPlatformFixture.NewId("district");
        var good = MemoryPlatformFixture.NewId("sig");
        var bad = MemoryPlatformFixture.NewId("sig");
        var geojson = new
        {
            type = "FeatureCollection",
            features = new object[]
            {
                new { type = "Feature", geometry = new { type = "Point", coordinates = new[] { 126.9076, 37.5155 } }, properties = new { id = good, kind = "trafficSignal", name = "Junction", district, zone = "c-1", cycleSeconds = 120 } },
                new { type = "Feature", geometry = new { type = "LineString", coordinates = new[] { new[] { 126.9, 37.5 }, new[] { 126.91, 37.51 } } }, properties = new { id = bad, kind = "trafficSignal", name = "Bad", district, zone = "c-1" } },
            },
        };

        var report = await Import(System.Text.Json.JsonSerializer.Serialize(geojson), "application/geo+json", "");

        Assert.Equal([good], report["accepted"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()));
        var rejected = Assert.Single(report["rejected"]!.AsArray())!;
        Assert.Equal((2, "geometry"), (rejected["row"]!.GetValue<int>(), rejected["field"]!.GetValue<string>()));
        var device = await Api.GetJsonAsync($"/api/devices/{good}");
        Assert.Equal(37.5155, device["location"]!["latitude"]!.GetValue<double>());
    }

    [Fact]
    public async Task An_import_with_an_unknown_column_or_type_is_refused_whole()
    {
        using var column = await ImportResponse("id,kind,latitude,longitude,lattitude\n", "text/csv", "");
        using var type = await ImportResponse("<xml/>", "application/xml", "");

        Assert.Equal(HttpStatusCode.BadRequest, column.StatusCode);
        Assert.NotNull((await PlatformApi.BodyAsync(column))["errors"]!["column 'lattitude'"]);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, type.StatusCode);
    }

    [Fact]
    public async Task Sign_in_refuses_a_wrong_password_and_names_a_missing_field()
    {
        using var wrong = await Api.Anonymous.PostAsJsonAsync("/api/auth/token", new { username = "admin", password = "guess" });
        using var missing = await Api.Anonymous.PostAsJsonAsync("/api/auth/token", new { username = "admin" });

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.NotNull((await PlatformApi.BodyAsync(missing))["errors"]!["password"]);
    }

    [Fact]
    public async Task Health_and_the_OpenAPI_document_are_served()
    {
        using var health = await Api.Anonymous.GetAsync("/healthz");
        var openApi = JsonNode.Parse(await Api.Anonymous.GetStringAsync("/openapi/v1.json"))!;

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.NotNull(openApi["paths"]!["/api/telemetry"]);
        Assert.NotNull(openApi["paths"]!["/api/devices/import"]);
    }

    private async Task<JsonNode> Import(string content, string mediaType, string query)
    {
        using var response = await ImportResponse(content, mediaType, query);
        var body = await PlatformApi.BodyAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToJsonString());
        return body;
    }

    private Task<HttpResponseMessage> ImportResponse(string content, string mediaType, string query) =>
        Api.SendAsync(HttpMethod.Post, "/api/devices/import" + query, PlatformApi.Admin, new StringContent(content, Encoding.UTF8, mediaType));
}
