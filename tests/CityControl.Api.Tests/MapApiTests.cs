using System.Net;
using CityControl.Devices;
using CityControl.Incidents;
using CityControl.Tests.Infrastructure;
using CityControl.Testing;
using CityControl.Rules.Geo;

namespace CityControl.Tests.Api;

/// <summary>What the map and the traffic view read: camera fields of view, signals with congestion by approach, and the pages' labels.</summary>
[Collection(MemoryPlatformCollection.Name)]
public sealed class MapApiTests(MemoryPlatformFixture fixture)
{
    private PlatformApi Api => fixture.Api;

    [Fact]
    public async Task A_camera_field_of_view_is_a_ground_sector_from_the_camera_along_its_bearing()
    {
        var district = MemoryPlatformFixture.NewId("fov");
        var id = "cam-" + district;
        var camera = new GeoPoint(37.4851, 126.8990);
        await Api.OnboardAsync(TestDevices.Camera(id, district, camera.Latitude, camera.Longitude, bearing: 90, fieldOfView: 60, range: 100));

        var map = await Api.GetJsonAsync("/api/map");

        var view = map["cameraViews"]!["features"]!.AsArray().Single(f => f!["properties"]!["id"]!.GetValue<string>() == id)!;
        var ring = view["geometry"]!["coordinates"]![0]!.AsArray()
            .Select(c => new GeoPoint(c![1]!.GetValue<double>(), c[0]!.GetValue<double>()))
            .ToList();
        Assert.Equal(ring[0], ring[^1]);
        Assert.Contains(ring, p => GeoDistance.Meters(camera, p) < 0.2);
        var arc = ring.Where(p => GeoDistance.Meters(camera, p) > 1).ToList();
        Assert.All(arc, p => Assert.InRange(GeoDistance.Meters(camera, p), 99.5, 100.5));
        Assert.All(arc, p => Assert.InRange(GeoDistance.BearingDegrees(camera, p), 59.5, 120.5));
        Assert.Contains(arc, p => Math.Abs(GeoDistance.BearingDegrees(camera, p) - 60) < 0.5);
        Assert.Contains(arc, p => Math.Abs(GeoDistance.BearingDegrees(camera, p) - 120) < 0.5);
    }

    [Fact]
    public async Task The_basemap_serves_the_folders_layers_with_their_credits_and_nothing_else()
    {
        var layers = (await Api.GetJsonAsync("/api/map"))["basemap"]!.AsArray();
        Assert.Equal(
            ["outline", "neighbourhoods", "districts", "water", "transitLines", "transitStations"],
            layers.Select(l => l!["role"]!.GetValue<string>()));
        Assert.Contains(layers, l => l!["attribution"]!.GetValue<string>().Contains("OpenStreetMap", StringComparison.Ordinal));

        var river = layers.Single(l => l!["role"]!.GetValue<string>() == "water")!;
        using var file = await Api.SendAsync(HttpMethod.Get, river["url"]!.GetValue<string>(), PlatformApi.Operator);
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        Assert.Equal("application/geo+json", file.Content.Headers.ContentType!.MediaType);
        Assert.Equal(
            await File.ReadAllTextAsync(RepoPaths.Data("city", "seoul", "han_river_osm.geojson")),
            await file.Content.ReadAsStringAsync());

        // Only the files the basemap names: not another file of the folder, nor one outside it.
        foreach (var name in new[] { "seoul_legal_dong_2015_juso", "SOURCE", "..%2F..%2Fvideo%2FSOURCE", "..%5C..%5Cappsettings", "%2Fetc%2Fpasswd" })
        {
            using var refused = await Api.SendAsync(HttpMethod.Get, $"/api/map/layers/{name}", PlatformApi.Operator);
            Assert.True(refused.StatusCode == HttpStatusCode.NotFound, $"{name}: {refused.StatusCode} {refused.RequestMessage!.RequestUri}");
        }

        using var anonymous = await Api.SendAsync(HttpMethod.Get, river["url"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        // The places' names in Korean and English, from the districts' and neighbourhoods' layers: 25 gu, and 424 dong of 423 names (신사동 is in Gangnam and in Gwanak).
        var names = (await Api.GetJsonAsync("/api/map/names")).AsArray();
        Assert.Equal(25, names.Count(n => n!["kind"]!.GetValue<string>() == "district"));
        Assert.Equal(423, names.Count(n => n!["kind"]!.GetValue<string>() == "neighbourhood"));
        Assert.Contains(names, n => n!["local"]!.GetValue<string>() == "구로구" && n["english"]!.GetValue<string>() == "Guro-gu");
        Assert.Contains(names, n => n!["local"]!.GetValue<string>() == "여의동" && n["kind"]!.GetValue<string>() == "neighbourhood");
    }

    [Fact]
    public async Task The_traffic_view_gives_each_signal_its_mode_phase_and_congestion_by_approach()
    {
        var district = MemoryPlatformFixture.NewId("traffic");
        var id = "sig-" + district;
        var credential = await Api.OnboardAsync(TestDevices.Signal(id, district));
        var now = DateTimeOffset.UtcNow;
        using var ingest = await Api.PostTelemetryAsync(credential, new
        {
            readings = new[]
            {
                TestDevices.Reading(id, now, "phase", 4, "phase"),
                TestDevices.Reading(id, now, "mode", 1, "code"),
                TestDevices.Reading(id, now, "occupancy.EB", 62.5, "%"),
                TestDevices.Reading(id, now, "volume.EB", 31, "veh"),
                TestDevices.Reading(id, now, "occupancy.NB", 8, "%"),
            },
        });
        Assert.Equal(HttpStatusCode.Accepted, ingest.StatusCode);

        var signal = (await Api.GetJsonAsync($"/api/traffic/signals?district={district}")).AsArray().Single()!;

        Assert.Equal(id, signal["id"]!.GetValue<string>());
        Assert.Equal("flash", signal["mode"]!.GetValue<string>());
        Assert.Equal(4, signal["phase"]!.GetValue<int>());
        Assert.Equal("jammed", signal["worstCongestion"]!.GetValue<string>());
        var approaches = signal["approaches"]!.AsArray().ToDictionary(a => a!["approach"]!.GetValue<string>());
        Assert.Equal(["NB", "EB"], approaches.Keys);
        Assert.Equal("jammed", approaches["EB"]!["congestion"]!.GetValue<string>());
        Assert.Equal(31, approaches["EB"]!["volume"]!.GetValue<double>());
        Assert.Equal("free", approaches["NB"]!["congestion"]!.GetValue<string>());
        Assert.Contains("signalFlash", signal["activeAlarms"]!.AsArray().Select(a => a!.GetValue<string>()));
    }

    [Fact]
    public async Task An_unknown_approach_is_refused_naming_the_metric()
    {
        var district = MemoryPlatformFixture.NewId("traffic");
        var id = "sig-" + district;
        var credential = await Api.OnboardAsync(TestDevices.Signal(id, district));

        using var ingest = await Api.PostTelemetryAsync(credential, new { readings = new[] { TestDevices.Reading(id, DateTimeOffset.UtcNow, "occupancy.XB", 10, "%") } });

        var body = await PlatformApi.BodyAsync(ingest);
        Assert.Equal(0, body["accepted"]!.GetValue<int>());
        Assert.Contains("metric", body["rejections"]![0]!["field"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Labels_come_in_Korean_on_request_and_in_English_by_default_with_every_key_translated()
    {
        var english = (await Api.GetJsonAsync("/api/labels")).AsObject();
        var korean = (await Api.GetJsonAsync("/api/labels?lang=ko")).AsObject();

        Assert.Equal("Map", english["nav.map"]!.GetValue<string>());
        Assert.Equal("지도", korean["nav.map"]!.GetValue<string>());
        Assert.Equal(english.Select(kv => kv.Key), korean.Select(kv => kv.Key));
        // Every text with a word in it is said in Korean (a separator such as ", {*}" has none to translate).
        var worded = korean.Where(kv => System.Text.RegularExpressions.Regex.IsMatch(english[kv.Key]!.GetValue<string>(), @"\p{L}(?![^{]*\})")).ToList();
        Assert.Contains(worded, kv => kv.Key == "phrase.alarm.floodAlert");
        Assert.All(worded, kv => Assert.NotEqual(english[kv.Key]!.GetValue<string>(), kv.Value!.GetValue<string>()));
    }

    [Fact]
    public async Task Every_phrase_the_platform_says_has_a_Korean_template_with_the_same_slots()
    {
        var english = (await Api.GetJsonAsync("/api/labels")).AsObject();
        var korean = (await Api.GetJsonAsync("/api/labels?lang=ko")).AsObject();
        static string[] Slots(string template) =>
            [.. System.Text.RegularExpressions.Regex.Matches(template, @"\{\^?(\*|\d+)\}").Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal)];

        var phrases = english.Where(kv => kv.Key.StartsWith("phrase.", StringComparison.Ordinal)).ToList();
        Assert.Equal(CityControl.Rules.Phrases.English.Count, phrases.Count);
        Assert.Equal("water {0} m at or above the alert level {1} m", english["phrase.alarm.floodAlert"]!.GetValue<string>());
        Assert.All(phrases, kv => Assert.Equal(Slots(kv.Value!.GetValue<string>()), Slots(korean[kv.Key]!.GetValue<string>())));

        // The words phrases name are labels too: every condition, every kind of road user a camera names.
        Assert.All(Enum.GetValues<CityControl.Devices.AlarmCondition>(), c => Assert.True(korean.ContainsKey(CityControl.Rules.Phrases.LabelOf("condition", c)), c.ToString()));
        Assert.All(["person", "cyclist", "motorcycle", "car", "bus", "truck", "vehicle", "object"], noun => Assert.True(korean.ContainsKey("noun." + noun), noun));
    }

    [Fact]
    public async Task An_unknown_language_is_a_problem_naming_the_parameter()
    {
        using var response = await Api.SendAsync(HttpMethod.Get, "/api/labels?lang=fr");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("lang", (await PlatformApi.BodyAsync(response))["errors"]!.AsObject().Select(kv => kv.Key));
    }
}
