using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;

namespace CityControl.Tests.Api;

/// <summary>
/// FIWARE NGSI-LD with the Smart Data Models' own published examples (both forms of each), as a context broker or a
/// partner city sends them: readings of the devices they name, an external-warning incident, and the platform's
/// devices and incidents served back as NGSI-LD.
/// </summary>
[Collection(MemoryPlatformCollection.Name)]
public sealed class NgsiLdApiTests(MemoryPlatformFixture fixture)
{
    private PlatformApi Api => fixture.Api;

    private static readonly string[] TimeAttributes = ["dateObserved", "dateObservedFrom", "dateObservedTo", "observationDateTime", "dateIssued", "validFrom"];

    /// <summary>A published example, its times moved to <paramref name="at"/> (the examples are years old; a live feed is not).</summary>
    private static JsonObject Example(string model, string form, DateTimeOffset at)
    {
        var entity = JsonNode.Parse(File.ReadAllText(RepoPaths.Data("fiware", model, "examples", form == "normalized" ? "example-normalized.jsonld" : "example.jsonld")))!.AsObject();
        var time = Web.Api.NgsiLdEndpoints.DateTimeOf(at);
        foreach (var name in TimeAttributes.Where(entity.ContainsKey))
        {
            if (entity[name] is JsonObject attribute)
            {
                attribute[attribute.ContainsKey("object") ? "object" : "value"] = time;
            }
            else
            {
                entity[name] = time;
            }
        }

        if (entity["validTo"] is JsonNode validTo)
        {
            var until = Web.Api.NgsiLdEndpoints.DateTimeOf(at.AddHours(1));
            if (validTo is JsonObject o)
            {
                o["value"] = until;
            }
            else
            {
                entity["validTo"] = until;
            }
        }

        return entity;
    }

    private async Task<HttpResponseMessage> PostAsync(string path, (string, string) credential, JsonNode body, string mediaType = "application/ld+json") =>
        await Api.PostIngestAsync(path, credential, new StringContent(body.ToJsonString(), Encoding.UTF8, mediaType));

    private async Task<List<(double Value, string Metric)>> Readings(string id) =>
        [.. (await Api.GetJsonAsync($"/api/devices/{id}/readings?max=50", PlatformApi.Operator)).AsArray().Select(r => (r!["value"]!.GetValue<double>(), r["metric"]!.GetValue<string>()))];

    /// <summary>
    /// The Alert model's schema.json from the shared data, with the four shared definitions it points at on the web
    /// stood in by local stubs written from the Smart Data Models documentation (the machine is offline): the common
    /// GSMA and location attributes, the common alert attributes (category, severity, dates, source) and the weather
    /// alert subcategories.
    /// </summary>
    private static Json.Schema.JsonSchema AlertSchema()
    {
        var build = new Json.Schema.BuildOptions { SchemaRegistry = new Json.Schema.SchemaRegistry() };
        void Stub(string uri, string definitions) =>
            build.SchemaRegistry.Register(new Uri(uri), Json.Schema.JsonSchema.FromText(
                "{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\", \"$id\": \"" + uri + "\", \"definitions\": {" + definitions + "}}", build));
        Stub("https://smart-data-models.github.io/data-models/common-schema.json", """
            "GSMA-Commons": {"type": "object", "properties": {
              "id": {"type": "string", "minLength": 1, "maxLength": 256}, "dateCreated": {"type": "string", "format": "date-time"},
              "dateModified": {"type": "string", "format": "date-time"}, "source": {"type": "string"}, "name": {"type": "string"},
              "alternateName": {"type": "string"}, "description": {"type": "string"}, "dataProvider": {"type": "string"},
              "owner": {"type": "array", "items": {"type": "string"}}, "seeAlso": {"type": ["array", "string"]}}},
            "Location-Commons": {"type": "object", "properties": {
              "location": {"type": "object", "required": ["type", "coordinates"], "properties": {"type": {"enum": ["Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"]}, "coordinates": {"type": "array"}}},
              "address": {"type": "object"}, "areaServed": {"type": "string"}}}
            """);
        Stub("https://smart-data-models.github.io/dataModel.Alert/alert-schema.json", """
            "Common-Alert": {"type": "object", "properties": {
              "category": {"type": "string", "enum": ["traffic", "naturalDisaster", "weather", "environment", "health", "security", "agriculture"]},
              "severity": {"type": "string", "enum": ["informational", "low", "medium", "high", "critical"]},
              "dateIssued": {"type": "string", "format": "date-time"}, "validFrom": {"type": "string", "format": "date-time"},
              "validTo": {"type": "string", "format": "date-time"}, "alertSource": {"type": "string"}, "data": {"type": "object"}}}
            """);
        Stub("https://smart-data-models.github.io/dataModel.Weather/weather-schema.json", """
            "WeatherAlertCategories": {"enum": ["rainfall", "highTemperature", "lowTemperature", "heatWave", "coldWave", "ice", "snow", "wind", "fog", "flood", "tsunami", "tornado", "tropicalCyclone", "hurricane", "snow/ice", "thunderstorms", "fireRisk", "avalancheRisk", "floodRisk"]}
            """);
        return Json.Schema.JsonSchema.FromText(File.ReadAllText(RepoPaths.Data("fiware", "Alert", "schema.json")), build);
    }

    [Fact]
    public async Task Every_published_example_is_taken_into_the_device_it_names_or_opens_its_alert()
    {
        var district = MemoryPlatformFixture.NewId("ngsi");
        await Api.OnboardAsync(new
        {
            id = "28079004-Pza.deEspanya",
            kind = "gasSensor",
            name = "Plaza de Espana air station, NO2",
            location = new { latitude = 40.4238, longitude = -3.7122 },
            district,
            zone = "station",
            gasSensor = new { gas = "NO2", unit = "ppm", low = 0.1, high = 0.2 },
        });
        await Api.OnboardAsync(TestDevices.Flood("T2-NP-018", district));
        await Api.OnboardAsync(TestDevices.Flood("FWR013", district));
        await Api.OnboardAsync(TestDevices.Signal("TrafficFlowObserved-Valladolid-osm-60821110", district));
        using var gatewayResponse = await Api.PostJsonAsync("/api/gateways", new { id = "gw-" + district, name = "Broker bridge", districts = new[] { district, "Citywide" } }, PlatformApi.Admin);
        var credential = (await PlatformApi.BodyAsync(gatewayResponse))["credential"]!;
        var gateway = (credential["username"]!.GetValue<string>(), credential["secret"]!.GetValue<string>());

        // The normalized forms first, a minute earlier, then the key-values forms: two observations of each.
        var now = DateTimeOffset.UtcNow;
        string[] models = ["AirQualityObserved", "WaterObserved", "FloodMonitoring", "TrafficFlowObserved"];
        var batch = new JsonArray([
            .. models.Select(m => (JsonNode)Example(m, "normalized", now.AddMinutes(-2))),
            .. models.Select(m => (JsonNode)Example(m, "key-values", now.AddMinutes(-1))),
        ]);
        using (var upsert = await PostAsync("/ngsi-ld/v1/entityOperations/upsert", gateway, batch))
        {
            Assert.True(upsert.StatusCode == HttpStatusCode.NoContent, $"{(int)upsert.StatusCode}: {await upsert.Content.ReadAsStringAsync()}");
        }

        // Air quality: NO2 69 ug/m3 (normalized, GQ) is 0.0367 ppm at 25 degC; the key-values form names no unit, so its
        // NO2 is refused and only its temperature and humidity are taken.
        var air = await Readings("28079004-Pza.deEspanya");
        Assert.Equal(0.0367, Assert.Single(air, r => r.Metric == "concentration").Value, 3);
        Assert.Equal([12.2, 12.2], air.Where(r => r.Metric == "temperature").Select(r => r.Value));
        Assert.Equal([54.0, 54.0], air.Where(r => r.Metric == "humidity").Select(r => r.Value));

        Assert.Equal([3.52, 3.52], (await Readings("T2-NP-018")).Select(r => r.Value));
        Assert.Equal([1.98, 0.98], (await Readings("FWR013")).Select(r => r.Value)); // the two published forms differ

        // The lane runs north-north-east: the northbound approach, 197 vehicles, 76 % occupied.
        var signal = (await Api.GetJsonAsync($"/api/traffic/signals?district={district}")).AsArray().Single()!;
        var northbound = signal["approaches"]!.AsArray().Single(a => a!["approach"]!.GetValue<string>() == "NB")!;
        Assert.Equal((197.0, 76.0), (northbound["volume"]!.GetValue<double>(), northbound["occupancyPercent"]!.GetValue<double>()));

        // An Alert opens an external-warning incident, once, whichever form and however often it comes.
        foreach (var form in new[] { "normalized", "key-values", "normalized" })
        {
            using var alert = await PostAsync("/ngsi-ld/v1/entities", gateway, Example("Alert", form, now));
            Assert.True(alert.StatusCode == HttpStatusCode.Created, $"{(int)alert.StatusCode}: {await alert.Content.ReadAsStringAsync()}");
        }

        var incidentId = Web.Api.NgsiLdEndpoints.IncidentIdOf("urn:ngsi-ld:Alert:Alert:1");
        var incident = await Api.GetJsonAsync($"/api/incidents/{incidentId}", PlatformApi.Operator);
        Assert.Equal(("externalWarning", "p1"), (incident["summary"]!["type"]!.GetValue<string>(), incident["summary"]!["priority"]!.GetValue<string>().ToLowerInvariant()));
        Assert.Equal("traffic/trafficJam: The road is completely blocked for 3kms", incident["summary"]!["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_brokers_notification_is_taken_and_each_bad_entity_is_refused_on_its_own_with_the_reason()
    {
        var district = MemoryPlatformFixture.NewId("ngsinotify");
        var flood = "flood-" + district;
        await Api.OnboardAsync(TestDevices.Flood(flood, district));
        using var gatewayResponse = await Api.PostJsonAsync("/api/gateways", new { id = "gw-" + district, name = "Broker", districts = new[] { district } }, PlatformApi.Admin);
        var credential = (await PlatformApi.BodyAsync(gatewayResponse))["credential"]!;
        var gateway = (credential["username"]!.GetValue<string>(), credential["secret"]!.GetValue<string>());
        var now = DateTimeOffset.UtcNow;

        var good = Example("WaterObserved", "key-values", now.AddSeconds(-5));
        good["refDevice"] = $"urn:ngsi-ld:Device:{flood}";
        var unknown = Example("WaterObserved", "key-values", now);
        unknown["refDevice"] = "urn:ngsi-ld:Device:nowhere";
        var wrongKind = Example("TrafficFlowObserved", "key-values", now);
        wrongKind["id"] = $"urn:ngsi-ld:TrafficFlowObserved:{flood}";
        var notification = new JsonObject
        {
            ["id"] = "urn:ngsi-ld:Notification:1",
            ["type"] = "Notification",
            ["subscriptionId"] = "urn:ngsi-ld:Subscription:water",
            ["notifiedAt"] = now.ToString("O"),
            ["data"] = new JsonArray(good, unknown, wrongKind, new JsonObject { ["type"] = "WaterObserved" }, JsonValue.Create(7)),
        };

        using var response = await PostAsync("/ngsi-ld/v1/notify", gateway, notification, "application/json");
        var body = await PlatformApi.BodyAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([good["id"]!.GetValue<string>()], body["success"]!.AsArray().Select(s => s!.GetValue<string>()));
        var errors = body["errors"]!.AsArray().Select(e => (Id: e!["entityId"]!.GetValue<string>(), Title: e["error"]!["title"]!.GetValue<string>())).ToList();
        Assert.Equal(4, errors.Count);
        Assert.Contains("'nowhere' is not onboarded", errors[0].Title, StringComparison.Ordinal);
        Assert.Contains("is a FloodSensor", errors[1].Title, StringComparison.Ordinal);
        Assert.StartsWith("id:", errors[2].Title, StringComparison.Ordinal);
        Assert.StartsWith("id:", errors[3].Title, StringComparison.Ordinal);
        Assert.Equal([3.52], (await Readings(flood)).Select(r => r.Value));

        // Whole-request errors name the field.
        using var notJson = await Api.PostIngestAsync("/ngsi-ld/v1/entityOperations/upsert", gateway, new StringContent("[{", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Contains("body", (await PlatformApi.BodyAsync(notJson))["title"]!.GetValue<string>(), StringComparison.Ordinal);
        using var xml = await Api.PostIngestAsync("/ngsi-ld/v1/entities", gateway, new StringContent("<x/>", Encoding.UTF8, "application/xml"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, xml.StatusCode);
        using var anonymous = await Api.PostIngestAsync("/ngsi-ld/v1/entities", null, new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task A_gateways_Device_entity_onboards_a_gauge_that_is_then_kept_up_to_date_and_read_and_the_published_examples_are_announced_for_an_admin()
    {
        var district = MemoryPlatformFixture.NewId("ngsidevice");
        using var gatewayResponse = await Api.PostJsonAsync("/api/gateways", new { id = "gw-" + district, name = "Context broker", districts = new[] { district } }, PlatformApi.Admin);
        var credential = (await PlatformApi.BodyAsync(gatewayResponse))["credential"]!;
        var gateway = (credential["username"]!.GetValue<string>(), credential["secret"]!.GetValue<string>());

        // The published Device examples are a waste container's fill-level sensor with no location and no district: no
        // device this control centre can place or watch on its own. Both are taken as an announced device, in the
        // gateway's one district, for an admin to onboard or dismiss; a partner reads back the entity it sent.
        using (var published = await PostAsync("/ngsi-ld/v1/entityOperations/upsert", gateway, new JsonArray(Example("Device", "normalized", DateTimeOffset.UtcNow), Example("Device", "key-values", DateTimeOffset.UtcNow))))
        {
            Assert.True(published.StatusCode == HttpStatusCode.NoContent, $"{(int)published.StatusCode}: {await published.Content.ReadAsStringAsync()}");
        }

        var announced = Assert.Single((await Api.GetJsonAsync("/api/device-announcements", PlatformApi.Admin)).AsArray(), a => a!["id"]!.GetValue<string>() == "device-9845A")!;
        Assert.Equal($"ngsi-ld:{gateway.Item1}", announced["gateway"]!.GetValue<string>());
        Assert.Equal(("device-9845A", "9845A", district, 2), (announced["id"]!.GetValue<string>(), announced["name"]!.GetValue<string>(), announced["district"]!.GetValue<string>(), announced["times"]!.GetValue<int>()));
        Assert.Equal(["fillingLevel", "temperature"], announced["controlledProperties"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Equal(["controlledProperty", "location"], announced["missing"]!.AsArray().Select(m => m!.GetValue<string>().Split(':')[0]));
        var sentBack = await Api.GetJsonAsync("/ngsi-ld/v1/entities/urn:ngsi-ld:Device:device-9845A", PlatformApi.Operator);
        Assert.Equal(0.75, sentBack["batteryLevel"]!.GetValue<double>());
        using (var notAdmin = await Api.SendAsync(HttpMethod.Get, "/api/device-announcements", PlatformApi.Operator))
        {
            Assert.Equal(HttpStatusCode.Forbidden, notAdmin.StatusCode);
        }

        using (var dismissed = await Api.SendAsync(HttpMethod.Delete, "/api/device-announcements/device-9845A", PlatformApi.Admin))
        {
            Assert.Equal(HttpStatusCode.NoContent, dismissed.StatusCode);
        }

        Assert.DoesNotContain((await Api.GetJsonAsync("/api/device-announcements", PlatformApi.Admin)).AsArray(), a => a!["id"]!.GetValue<string>() == "device-9845A");
        using (var again = await Api.SendAsync(HttpMethod.Delete, "/api/device-announcements/device-9845A", PlatformApi.Admin))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }

        // What is wrong in what was given is still refused, naming it: a gauge with its danger level below its alert level.
        var broken = Example("Device", "key-values", DateTimeOffset.UtcNow);
        broken["id"] = $"urn:ngsi-ld:Device:broken-{district}";
        broken["controlledProperty"] = new JsonArray("waterLevel");
        broken["configuration"] = new JsonArray(new JsonObject { ["parameter"] = "alertLevel", ["value"] = "0.6" }, new JsonObject { ["parameter"] = "dangerLevel", ["value"] = "0.3" });
        using (var refused = await PostAsync("/ngsi-ld/v1/entities", gateway, broken))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            Assert.StartsWith("configuration.", (await PlatformApi.BodyAsync(refused))["title"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        // The same published entity describing a riverside gauge: what the model has no attribute for (the gauge's
        // levels) in its configuration, beside a vendor's own parameter, which is left alone.
        var id = "gauge-" + district;
        var gauge = Example("Device", "key-values", DateTimeOffset.UtcNow);
        gauge["id"] = $"urn:ngsi-ld:Device:{id}";
        gauge["controlledProperty"] = new JsonArray("waterLevel");
        gauge["areaServed"] = district;
        gauge["location"] = new JsonObject { ["type"] = "Point", ["coordinates"] = new JsonArray(126.9326, 37.5284) };
        gauge["configuration"] = new JsonArray(
            new JsonObject { ["parameter"] = "zone", ["value"] = "parking-1" },
            new JsonObject { ["parameter"] = "referenceLevel", ["value"] = "0" },
            new JsonObject { ["parameter"] = "alertLevel", ["value"] = "0.3" },
            new JsonObject { ["parameter"] = "dangerLevel", ["value"] = "0.6" },
            new JsonObject { ["parameter"] = "reportingPeriod", ["value"] = "PT1M" });
        using (var created = await PostAsync("/ngsi-ld/v1/entities", gateway, gauge))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, $"{(int)created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
        }

        var onboarded = await Api.GetJsonAsync($"/api/devices/{id}", PlatformApi.Admin);
        Assert.Equal(("floodSensor", "provisioned", "9845A", district), (onboarded["kind"]!.GetValue<string>(), onboarded["status"]!.GetValue<string>(), onboarded["name"]!.GetValue<string>(), onboarded["district"]!.GetValue<string>()));
        Assert.Equal(0.6, onboarded["floodSensor"]!["dangerLevel"]!.GetValue<double>());

        // Created twice is a conflict; an upsert moves it; its observations are then its readings.
        using (var again = await PostAsync("/ngsi-ld/v1/entities", gateway, gauge))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }

        gauge["location"] = new JsonObject { ["type"] = "Point", ["coordinates"] = new JsonArray(126.9330, 37.5290) };
        var water = Example("WaterObserved", "key-values", DateTimeOffset.UtcNow);
        water["refDevice"] = gauge["id"]!.GetValue<string>();
        using (var upsert = await PostAsync("/ngsi-ld/v1/entityOperations/upsert", gateway, new JsonArray(gauge.DeepClone(), water)))
        {
            Assert.True(upsert.StatusCode == HttpStatusCode.NoContent, $"{(int)upsert.StatusCode}: {await upsert.Content.ReadAsStringAsync()}");
        }

        var after = await Api.GetJsonAsync($"/api/devices/{id}", PlatformApi.Admin);
        Assert.Equal((37.5290, 126.9330), (after["location"]!["latitude"]!.GetValue<double>(), after["location"]!["longitude"]!.GetValue<double>()));
        Assert.Equal("active", after["status"]!.GetValue<string>());
        Assert.Equal([3.52], (await Readings(id)).Select(r => r.Value));

        // A gateway onboards only into its own districts, and a device's own credential onboards nothing.
        var elsewhere = gauge.DeepClone().AsObject();
        elsewhere["id"] = $"urn:ngsi-ld:Device:{id}-2";
        elsewhere["areaServed"] = "somewhere-else";
        using (var foreign = await PostAsync("/ngsi-ld/v1/entities", gateway, elsewhere))
        {
            Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
            Assert.StartsWith("areaServed:", (await PlatformApi.BodyAsync(foreign))["title"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        var device = await Api.OnboardAsync(TestDevices.Flood("own-" + district, district));
        elsewhere["areaServed"] = district;
        using (var byDevice = await PostAsync("/ngsi-ld/v1/entities", device, elsewhere))
        {
            Assert.Equal(HttpStatusCode.Forbidden, byDevice.StatusCode);
        }

        using var missing = await Api.SendAsync(HttpMethod.Get, $"/api/devices/{id}-2", PlatformApi.Admin);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task A_brokers_upsert_of_a_served_device_renames_it_and_keeps_what_is_never_served()
    {
        var district = MemoryPlatformFixture.NewId("ngsisync");
        var camera = "cam-" + district;
        var signal = "sig-" + district;
        await Api.OnboardAsync(TestDevices.Camera(camera, district, 37.5160, 126.9080, 20, 60, 150, "rtsp://user:secret@10.0.0.7/stream1"));
        await Api.OnboardAsync(TestDevices.Signal(signal, district));
        using var gatewayResponse = await Api.PostJsonAsync("/api/gateways", new { id = "gw-" + district, name = "Context broker", districts = new[] { district } }, PlatformApi.Admin);
        var credential = (await PlatformApi.BodyAsync(gatewayResponse))["credential"]!;
        var gateway = (credential["username"]!.GetValue<string>(), credential["secret"]!.GetValue<string>());

        // The broker holds what it was served (no stream address, no phase timings) and renames both.
        var entities = new JsonArray();
        foreach (var id in new[] { camera, signal })
        {
            var served = await Api.GetJsonAsync($"/ngsi-ld/v1/entities/urn:ngsi-ld:Device:{id}", PlatformApi.Operator);
            Assert.DoesNotContain("secret", served.ToJsonString(), StringComparison.Ordinal);
            served["name"] = new JsonObject { ["type"] = "Property", ["value"] = "Renamed " + id };
            entities.Add(served.DeepClone());
        }

        using (var upsert = await PostAsync("/ngsi-ld/v1/entityOperations/upsert", gateway, entities))
        {
            Assert.True(upsert.StatusCode == HttpStatusCode.NoContent, $"{(int)upsert.StatusCode}: {await upsert.Content.ReadAsStringAsync()}");
        }

        var cameraAfter = await Api.GetJsonAsync($"/api/devices/{camera}", PlatformApi.Admin);
        var signalAfter = await Api.GetJsonAsync($"/api/devices/{signal}", PlatformApi.Admin);
        Assert.Equal(("Renamed " + camera, "Renamed " + signal), (cameraAfter["name"]!.GetValue<string>(), signalAfter["name"]!.GetValue<string>()));
        Assert.Equal("rtsp://user:secret@10.0.0.7/stream1", cameraAfter["camera"]!["streamUrl"]!.GetValue<string>());
        Assert.Equal(20, cameraAfter["camera"]!["bearingDegrees"]!.GetValue<double>());
        Assert.Equal([2, 4], signalAfter["trafficSignal"]!["phases"]!.AsArray().Select(p => p!["phase"]!.GetValue<int>()));
    }

    [Fact]
    public async Task A_served_Device_onboards_the_same_device_through_an_admins_import()
    {
        var district = MemoryPlatformFixture.NewId("ngsiimport");
        var original = "gas-" + district;
        await Api.OnboardAsync(TestDevices.Gas(original, district));
        var served = await Api.GetJsonAsync($"/ngsi-ld/v1/entities/urn:ngsi-ld:Device:{original}", PlatformApi.Operator);
        Assert.Equal("sensor", served["deviceCategory"]!["value"]![0]!.GetValue<string>());
        Assert.Equal("airPollution", served["controlledProperty"]!["value"]![0]!.GetValue<string>());

        var copy = served.DeepClone().AsObject();
        copy["id"] = $"urn:ngsi-ld:Device:copy-{original}";
        var entities = new JsonArray(copy, Example("Device", "normalized", DateTimeOffset.UtcNow));
        using var response = await Api.SendAsync(HttpMethod.Post, "/api/devices/import", PlatformApi.Admin, new StringContent(entities.ToJsonString(), Encoding.UTF8, "application/ld+json"));
        var report = await PlatformApi.BodyAsync(response);

        Assert.True(response.StatusCode == HttpStatusCode.OK, report.ToJsonString());
        var accepted = Assert.Single(report["accepted"]!.AsArray())!;
        Assert.Equal(($"copy-{original}", $"device:copy-{original}"), (accepted["id"]!.GetValue<string>(), accepted["username"]!.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(accepted["secret"]!.GetValue<string>()));
        Assert.Equal(
            [(2, "controlledProperty"), (2, "location")],
            report["rejected"]!.AsArray().Select(r => (r!["row"]!.GetValue<int>(), r["field"]!.GetValue<string>())).Order());

        var before = await Api.GetJsonAsync($"/api/devices/{original}", PlatformApi.Admin);
        var after = await Api.GetJsonAsync($"/api/devices/copy-{original}", PlatformApi.Admin);
        foreach (var field in new[] { "kind", "name", "location", "district", "zone", "heartbeatSeconds", "gasSensor" })
        {
            Assert.Equal(before[field]!.ToJsonString(), after[field]!.ToJsonString());
        }
    }

    [Fact]
    public async Task Devices_and_open_incidents_are_served_as_NGSI_LD_Device_and_Alert_with_a_context_served_here()
    {
        var district = MemoryPlatformFixture.NewId("ngsiout");
        var (gas, _) = await Api.LeakAsync(district);
        var incidentId = await Api.WaitForIncidentAsync(district);

        var device = await Api.GetJsonAsync($"/ngsi-ld/v1/entities/urn:ngsi-ld:Device:{gas}", PlatformApi.Operator);
        Assert.Equal(($"urn:ngsi-ld:Device:{gas}", "Device"), (device["id"]!.GetValue<string>(), device["type"]!.GetValue<string>()));
        Assert.Equal("online", device["deviceState"]!["value"]!.GetValue<string>());
        Assert.Equal(50, device["concentration"]!["value"]!.GetValue<double>());
        Assert.Equal("ppm", device["concentration"]!["unitCode"]!.GetValue<string>());
        Assert.Equal("Point", device["location"]!["value"]!["type"]!.GetValue<string>());

        var alerts = (await Api.GetJsonAsync("/ngsi-ld/v1/entities?type=Alert&limit=1000", PlatformApi.Operator)).AsArray();
        var alert = alerts.Single(a => a!["id"]!.GetValue<string>() == $"urn:ngsi-ld:Alert:{incidentId}")!;
        Assert.Equal(("environment", "airPollution"), (alert["category"]!["value"]!.GetValue<string>(), alert["subCategory"]!["value"]!.GetValue<string>()));
        Assert.All(new[] { "alertSource", "category", "dateIssued" }, required => Assert.NotNull(alert[required]));

        // The context both name is served here, and defines every term they use.
        var contextUrl = alert["@context"]![0]!.GetValue<string>();
        Assert.EndsWith("/ngsi-ld/contexts/citycontrol.jsonld", contextUrl, StringComparison.Ordinal);
        var context = (await Api.GetJsonAsync(new Uri(contextUrl).AbsolutePath))["@context"]!.AsObject();
        foreach (var entity in new[] { device, alert })
        {
            foreach (var (term, _) in entity.AsObject().Where(p => p.Key is not ("id" or "type" or "@context")))
            {
                Assert.True(context.ContainsKey(term) || term is "concentration" or "temperature" or "humidity", $"the context does not define '{term}'");
            }
        }

        // What is served validates against the model's own schema.json (the key-values form, which the schema describes).
        var alertSchema = AlertSchema();
        var simplified = (await Api.GetJsonAsync("/ngsi-ld/v1/entities?type=Alert&options=keyValues&limit=1000", PlatformApi.Operator)).AsArray();
        Assert.NotEmpty(simplified);
        foreach (var served in simplified)
        {
            using var document = System.Text.Json.JsonDocument.Parse(served!.ToJsonString());
            var result = alertSchema.Evaluate(document.RootElement, new Json.Schema.EvaluationOptions { OutputFormat = Json.Schema.OutputFormat.List });
            Assert.True(result.IsValid, $"{served["id"]}: " + string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} {e.Key}: {e.Value}"))));
        }

        // And the schema is not a formality: an Alert without its category, or with an unknown subcategory, fails it.
        var broken = simplified[0]!.AsObject().DeepClone().AsObject();
        broken.Remove("category");
        broken["subCategory"] = "alienInvasion";
        using (var brokenDocument = System.Text.Json.JsonDocument.Parse(broken.ToJsonString()))
        {
            Assert.False(alertSchema.Evaluate(brokenDocument.RootElement).IsValid);
        }

        using var missing = await Api.SendAsync(HttpMethod.Get, "/ngsi-ld/v1/entities/urn:ngsi-ld:Device:nobody", PlatformApi.Operator);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var noType = await Api.SendAsync(HttpMethod.Get, "/ngsi-ld/v1/entities", PlatformApi.Operator);
        Assert.Equal(HttpStatusCode.BadRequest, noType.StatusCode);
    }
}
