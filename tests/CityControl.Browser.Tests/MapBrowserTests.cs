using System.Globalization;
using System.Text.Json.Nodes;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;
using Microsoft.Playwright;

namespace CityControl.Tests.Browser;

/// <summary>The map as an operator meets it: Seoul's basemap, overlapping incidents, a device's panel, a district's zoom.</summary>
public sealed class MapBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    /// <summary>
    /// Guro's detectors, a Yeongdeungpo gauge and one stray device in Busan. The map opens on Seoul's districts and the
    /// Han River from the basemap folder (asking no tile server for anything), on the Seoul devices rather than on a
    /// view that takes in Busan; a P1 leak is drawn above a P4 fault at the same spot; a click on a detector opens its
    /// panel with its readings charted against its set-points, which follows the detector live; and choosing
    /// Yeongdeungpo zooms to that gu's outline.
    /// </summary>
    [Fact]
    public async Task The_map_draws_Seoul_puts_a_P1_above_a_P4_opens_a_detectors_panel_and_zooms_to_a_district()
    {
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory());
        var district = MemoryPlatformFixture.NewId("Guro");
        var faulty = "gas-fault-" + Guid.NewGuid().ToString("N")[..6];
        var leaking = "gas-leak-" + Guid.NewGuid().ToString("N")[..6];
        var calm = "gas-calm-" + Guid.NewGuid().ToString("N")[..6];
        var faultyKey = await platform.Api.OnboardAsync(TestDevices.Gas(faulty, district));
        var leakingKey = await platform.Api.OnboardAsync(TestDevices.Gas(leaking, district, latitude: 37.48512, longitude: 126.89902));
        var calmKey = await platform.Api.OnboardAsync(TestDevices.Gas(calm, district, latitude: 37.4870, longitude: 126.9015));
        await platform.Api.OnboardAsync(TestDevices.Gas("gas-ydp-" + Guid.NewGuid().ToString("N")[..6], "Yeongdeungpo", latitude: 37.5264, longitude: 126.8962));
        await platform.Api.OnboardAsync(TestDevices.Gas("gas-busan-" + Guid.NewGuid().ToString("N")[..6], "Busan", latitude: 35.1796, longitude: 129.0756));
        var now = DateTimeOffset.UtcNow;
        await Send(platform, calmKey, calm, (now.AddSeconds(-20), 5), (now.AddSeconds(-10), 8), (now, 12));

        var page = await browser.SignInAsync(platform.BaseAddress, PlatformApi.Operator, "/map");
        var foreign = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Url.StartsWith("http", StringComparison.Ordinal) && !request.Url.StartsWith(platform.BaseAddress.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal))
            {
                foreign.Add(request.Url);
            }
        };
        await page.SetViewportSizeAsync(1920, 1080);
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#connection")).ToHaveTextAsync("live", new() { Timeout = 10_000 });

        // Seoul from the basemap folder: its 25 gu, the river, the subway; named, and credited.
        await Assertions.Expect(page.Locator("path.basemap-districts")).ToHaveCountAsync(25);
        await Assertions.Expect(page.Locator("path.basemap-water").First).ToBeAttachedAsync();
        await Assertions.Expect(page.Locator("path.basemap-transitLines").First).ToBeAttachedAsync();
        await Assertions.Expect(page.Locator(".basemap-label.districts", new() { HasText = "Guro-gu" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".leaflet-control-attribution")).ToContainTextAsync("OpenStreetMap");
        await Assertions.Expect(page.Locator(".leaflet-control-attribution")).ToContainTextAsync("Statistics Korea");
        await Assertions.Expect(page.Locator(".leaflet-tile")).ToHaveCountAsync(0);

        // Opened on Seoul's devices: the stray one in Busan is not in view.
        await Assertions.Expect(page.Locator("#map")).ToHaveAttributeAsync("data-view", new System.Text.RegularExpressions.Regex("^[0-9.,-]+$"));
        var home = await View(page);
        Assert.True(home.Contains(37.4851, 126.8990) && home.Contains(37.5264, 126.8962), $"the Seoul devices are in view: {home}");
        Assert.False(home.Contains(35.1796, 129.0756), $"the view leaves Busan out: {home}");

        // A fault (P4) and a leak (P1) at the same spot: the P1 is drawn above.
        await Send(platform, faultyKey, faulty, (DateTimeOffset.UtcNow, -3));
        var p4 = page.Locator(".incident-marker", new() { Has = page.Locator(".priority.P4") });
        await Live.Arrives("the fault's P4 marker", TimeSpan.FromSeconds(3), t => Assertions.Expect(p4).ToHaveCountAsync(1, new() { Timeout = t }));
        await Send(platform, leakingKey, leaking, (DateTimeOffset.UtcNow, 50));
        var p1 = page.Locator(".incident-marker", new() { Has = page.Locator(".priority.P1") });
        await Live.Arrives("the leak's P1 marker", TimeSpan.FromSeconds(3), t => Assertions.Expect(p1).ToHaveCountAsync(1, new() { Timeout = t }));
        // Read in one go in the page (a marker is redrawn with each update of its incident).
        await page.WaitForFunctionAsync(
            "() => { const z = p => Number([...document.querySelectorAll('.incident-marker')].find(m => m.querySelector('.priority.' + p))?.style.zIndex);"
            + " return z('P1') > z('P4'); }", null, new() { Timeout = 5_000 });

        // The calm detector's panel: state in words, its three readings charted with Low and High, its latest reading.
        await page.Locator("path.device.gasSensor.normal").ClickAsync();
        var panel = page.Locator("#device-panel");
        await Assertions.Expect(panel.Locator("h2")).ToHaveTextAsync($"NH3 detector {calm}");
        await Assertions.Expect(panel.Locator(".state")).ToContainTextAsync("normal");
        await Assertions.Expect(panel.Locator("svg.reading-chart circle.reading")).ToHaveCountAsync(3);
        await Assertions.Expect(panel.Locator("svg.reading-chart line[data-limit=Low]")).ToHaveCountAsync(1);
        await Assertions.Expect(panel.Locator("svg.reading-chart line[data-limit=High]")).ToHaveCountAsync(1);
        await Assertions.Expect(panel.Locator(".latest")).ToContainTextAsync("12 ppm");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "map-panel-1920.png") });

        // It follows the detector live: a Low alarm turns its state and adds a fourth point.
        await Send(platform, calmKey, calm, (DateTimeOffset.UtcNow, 30));
        await Live.Arrives("the detector's Low alarm in its panel", TimeSpan.FromSeconds(3),
            t => Assertions.Expect(panel.Locator(".state")).ToContainTextAsync("gas low alarm 30", new() { Timeout = t }));
        await Assertions.Expect(panel.Locator("svg.reading-chart circle.reading")).ToHaveCountAsync(4);
        await Assertions.Expect(panel.Locator(".alarms")).ToContainTextAsync("NH3 30 ppm at or above Low 25 ppm");

        // Choosing Yeongdeungpo zooms to the gu's outline from the basemap.
        await page.SelectOptionAsync("#district", "Yeongdeungpo");
        var gu = GuBounds("Yeongdeungpo-gu");
        await Assertions.Expect(page.Locator("#map")).Not.ToHaveAttributeAsync("data-view", home.Text);
        var zoomed = await View(page);
        Assert.True(zoomed.Contains(gu.CentreLatitude, gu.CentreLongitude), $"the gu's centre is in view: {zoomed}");
        Assert.True(zoomed.North - zoomed.South < 2 * (gu.North - gu.South), $"the view is about the gu's size: {zoomed} for {gu}");

        await page.SetViewportSizeAsync(1366, 768);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "map-district-1366.png") });

        // In Korean the panel says the alarm and its events in Korean (what the rules said, not the server's English).
        await page.SelectOptionAsync("#language", "ko");
        await Assertions.Expect(page.Locator("nav").First).ToContainTextAsync("지도"); // reloaded in Korean
        // Two detectors warn (the faulty one, under the P1 marker, reads below zero): the calm one's is the panel wanted.
        var warnings = page.Locator("path.device.gasSensor.warning");
        await warnings.First.DispatchEventAsync("click");
        await Assertions.Expect(panel.Locator("h2")).ToContainTextAsync("NH3 detector");
        if (!(await panel.Locator("h2").TextContentAsync())!.EndsWith(calm, StringComparison.Ordinal))
        {
            await warnings.Nth(1).DispatchEventAsync("click");
        }

        await Assertions.Expect(panel.Locator("h2")).ToHaveTextAsync($"NH3 detector {calm}");
        await Assertions.Expect(panel.Locator(".alarms")).ToContainTextAsync("NH3 30 ppm, 저농도 경보값 25 ppm 이상");
        await Assertions.Expect(panel.Locator(".events")).ToContainTextAsync("경보 발생: NH3 30 ppm, 저농도 경보값 25 ppm 이상");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "map-panel-1366-ko.png") });
        Assert.Empty(foreign);
    }

    /// <summary>
    /// An operator closes a car park's barrier by hand from its panel on the map: the panel says what was sent, the
    /// barrier's state turns to "told closed" and then, when it reports, to closed; a barrier that never reported
    /// refuses, and the panel says why. A police dispatcher's panel has no such buttons.
    /// </summary>
    [Fact]
    public async Task An_operator_closes_a_barrier_from_its_panel_and_sees_it_report_back_or_why_it_refused()
    {
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory());
        var district = MemoryPlatformFixture.NewId("Yeouido");
        var id = "barrier-" + Guid.NewGuid().ToString("N")[..6];
        var silent = "barrier-silent-" + Guid.NewGuid().ToString("N")[..6];
        var key = await platform.Api.OnboardAsync(new
        {
            id, kind = "barrier", name = "Yeouido car park entrance barrier", location = new { latitude = 37.5259, longitude = 126.9286 },
            district, zone = "parking-1", heartbeatSeconds = 3600,
        });
        await platform.Api.OnboardAsync(new
        {
            id = silent, kind = "barrier", name = "Yeouido car park exit barrier", location = new { latitude = 37.5300, longitude = 126.9400 },
            district, zone = "parking-1", heartbeatSeconds = 3600,
        });
        await Position(platform, key, id, 0);

        var page = await browser.SignInAsync(platform.BaseAddress, PlatformApi.Operator, "/map");
        await page.SetViewportSizeAsync(1920, 1080);
        await Assertions.Expect(page.Locator("#connection")).ToHaveTextAsync("live", new() { Timeout = 10_000 });
        var panel = page.Locator("#device-panel");
        await page.Locator("path.device.barrier.normal").ClickAsync();
        await Assertions.Expect(panel.Locator("h2")).ToHaveTextAsync("Yeouido car park entrance barrier");
        await panel.GetByRole(AriaRole.Button, new() { Name = "Close the barrier" }).ClickAsync();
        await Assertions.Expect(panel.Locator(".action-result")).ToHaveTextAsync("Sent to the barrier: closed commanded. It reports back when it has moved.");
        await Live.Arrives("the command in the barrier's panel", TimeSpan.FromSeconds(3),
            t => Assertions.Expect(panel.Locator(".state")).ToContainTextAsync("barrier told closed, not yet there", new() { Timeout = t }));
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "map-barrier-1920.png") });

        await Position(platform, key, id, 1);
        await Live.Arrives("the barrier's report in its panel", TimeSpan.FromSeconds(3),
            t => Assertions.Expect(panel.Locator(".state")).ToContainTextAsync("barrier closed", new() { Timeout = t }));
        var events = (await platform.Api.GetJsonAsync($"/api/devices/{id}/events", PlatformApi.Operator)).AsArray();
        Assert.Contains(events, e => e!["detail"]!.GetValue<string>() == "closed by hand, operator");

        // The exit barrier never reported: refused, and the panel says why.
        await page.SetViewportSizeAsync(1366, 768);
        await page.Locator("path.device.barrier.unknown").ClickAsync();
        await Assertions.Expect(panel.Locator("h2")).ToHaveTextAsync("Yeouido car park exit barrier");
        await panel.GetByRole(AriaRole.Button, new() { Name = "Open the barrier" }).ClickAsync();
        await Assertions.Expect(panel.Locator(".action-result.error")).ToContainTextAsync("never reported");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "map-barrier-refused-1366.png") });

        // In Korean, the barrier's state and its buttons read in Korean.
        await page.EvaluateAsync("() => localStorage.setItem('citycontrol.lang', 'ko')");
        await page.ReloadAsync();
        await page.Locator("path.device.barrier.warning").ClickAsync();
        await Assertions.Expect(panel.Locator(".state")).ToContainTextAsync("차단기 닫힘");
        await Assertions.Expect(panel.GetByRole(AriaRole.Button, new() { Name = "차단기 열기" })).ToBeVisibleAsync();
        // Its events too: the command it was given, and its state after it.
        await Assertions.Expect(panel.Locator(".events")).ToContainTextAsync("명령 발령: 닫힘 명령 (operator 수동 조작)");
        await Assertions.Expect(panel.Locator(".events")).ToContainTextAsync("상태 변경: 차단기 닫힘");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "map-barrier-ko-1366.png") });
        await page.EvaluateAsync("() => localStorage.setItem('citycontrol.lang', 'en')");

        var police = await browser.SignInAsync(platform.BaseAddress, PlatformApi.Police, "/map");
        await Assertions.Expect(police.Locator("#connection")).ToHaveTextAsync("live", new() { Timeout = 10_000 });
        await police.Locator("path.device.barrier").First.ClickAsync();
        await Assertions.Expect(police.Locator("#device-panel h2")).ToBeVisibleAsync();
        await Assertions.Expect(police.Locator("#device-panel button", new() { HasText = "barrier" })).ToHaveCountAsync(0);
    }

    private static async Task Position(InProcessPlatform platform, (string Username, string Secret) key, string id, double position)
    {
        using var response = await platform.Api.PostTelemetryAsync(key, new { readings = new[] { TestDevices.Reading(id, DateTimeOffset.UtcNow, "position", position, "code") } });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
    }

    /// <summary>
    /// A device's name and zone are typed by admins, imported from CSV or sent by a partner's NGSI-LD broker: on the map
    /// (the device's tooltip, its incident's tooltip from the title) they read as the text they are and never run.
    /// </summary>
    [Fact]
    public async Task Names_from_admins_and_gateways_read_as_text_on_the_map_and_never_run()
    {
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory());
        var district = MemoryPlatformFixture.NewId("Guro");
        var id = "gas-name-" + Guid.NewGuid().ToString("N")[..6];
        const string name = "<img src=x onerror=\"document.body.dataset.ran='name'\">";
        const string zone = "<img src=y onerror=\"document.body.dataset.ran='zone'\">";
        var key = await platform.Api.OnboardAsync(new
        {
            id, kind = "gasSensor", name, location = new { latitude = 37.4870, longitude = 126.9015 }, district, zone,
            heartbeatSeconds = 3600, gasSensor = new { gas = "NH3", unit = "ppm", low = 25, high = 35 },
        });
        await Send(platform, key, id, (DateTimeOffset.UtcNow, 50));

        var page = await browser.SignInAsync(platform.BaseAddress, PlatformApi.Operator, "/map");
        var device = page.Locator("path.device.gasSensor");
        await Assertions.Expect(device).ToHaveCountAsync(1);
        await device.DispatchEventAsync("mouseover");
        await Assertions.Expect(page.Locator(".leaflet-tooltip:not(.district-label)").First).ToContainTextAsync(name);
        var marker = page.Locator(".incident-marker");
        await Assertions.Expect(marker).ToHaveCountAsync(1);
        await marker.DispatchEventAsync("mouseover");
        await Assertions.Expect(page.Locator(".leaflet-tooltip", new() { HasText = "Chemical leak" })).ToContainTextAsync(zone);
        Assert.Null(await page.EvaluateAsync<string?>("() => document.body.dataset.ran ?? null"));
        Assert.Equal(0, await page.Locator(".leaflet-tooltip img").CountAsync());
    }

    private static async Task Send(InProcessPlatform platform, (string Username, string Secret) key, string id, params (DateTimeOffset At, double Ppm)[] readings)
    {
        using var response = await platform.Api.PostTelemetryAsync(key,
            new { readings = readings.Select(r => TestDevices.Reading(id, r.At, "concentration", r.Ppm, "ppm")).ToArray() });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
    }

    private sealed record Box(double South, double West, double North, double East, string Text = "")
    {
        public bool Contains(double latitude, double longitude) => latitude >= South && latitude <= North && longitude >= West && longitude <= East;

        public double CentreLatitude => (South + North) / 2;

        public double CentreLongitude => (West + East) / 2;
    }

    private static async Task<Box> View(IPage page)
    {
        var text = await page.Locator("#map").GetAttributeAsync("data-view") ?? throw new InvalidOperationException("the map says nothing of its view");
        var v = text.Split(',').Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        return new Box(v[0], v[1], v[2], v[3], text);
    }

    private static Box GuBounds(string englishName)
    {
        var collection = JsonNode.Parse(File.ReadAllText(RepoPaths.Data("city", "seoul", "seoul_gu_2018_kostat.geojson")))!;
        var feature = collection["features"]!.AsArray().Single(f => (string?)f!["properties"]!["name_eng"] == englishName)!;
        var points = Flatten(feature["geometry"]!["coordinates"]!).ToList();
        return new Box(points.Min(p => p.Lat), points.Min(p => p.Lon), points.Max(p => p.Lat), points.Max(p => p.Lon));
    }

    private static IEnumerable<(double Lon, double Lat)> Flatten(JsonNode node) =>
        node.AsArray()[0] is JsonValue
            ? [((double)node[0]!, (double)node[1]!)]
            : node.AsArray().SelectMany(child => Flatten(child!));
}
