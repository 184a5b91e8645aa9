using System.Net;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;
using Microsoft.Playwright;
using CityControl.Devices;
using CityControl.Video;
using Microsoft.Extensions.DependencyInjection;

namespace CityControl.Tests.Browser;

/// <summary>The traffic view, the map's live device states and camera views, shelving and alarm rate, device editing and Korean labels, in a real browser.</summary>
[Collection(MemoryPlatformCollection.Name)]
public sealed class ViewsBrowserTests(MemoryPlatformFixture fixture, BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const float Seconds = 1000;

    [Fact]
    public async Task The_traffic_view_shows_a_signal_going_to_flash_live_and_its_jammed_approach()
    {
        var district = MemoryPlatformFixture.NewId("Traffic");
        var id = "sig-" + district;
        var credential = await fixture.Api.OnboardAsync(TestDevices.Signal(id, district));
        await Send(credential, ("phase", 2, "phase"), ("mode", 0, "code"), ("occupancy.EB", 12, "%"));
        var page = await browser.SignInAsync(fixture.Platform.BaseAddress, PlatformApi.Operator, "/traffic");
        var row = page.Locator("#signals tbody tr", new() { HasText = $"Signal {id}" });
        await Assertions.Expect(row.Locator(".mode")).ToHaveTextAsync("normal");
        await Assertions.Expect(row.Locator(".approach")).ToHaveTextAsync("EB free 12%");

        // From here on only the live channel can bring the change: the list endpoint is cut off.
        var listReads = 0;
        await page.RouteAsync("**/api/traffic/signals**", route =>
        {
            Interlocked.Increment(ref listReads);
            return route.AbortAsync();
        });
        await Send(credential, ("phase", 4, "phase"), ("mode", 1, "code"), ("occupancy.EB", 64, "%"));

        await Live.Arrives("the signal's flashing mode", TimeSpan.FromSeconds(3), t => Assertions.Expect(row.Locator(".mode")).ToHaveTextAsync("flashing", new() { Timeout = t }));
        await Assertions.Expect(row.Locator(".mode")).ToHaveClassAsync("mode warning");
        await Live.Arrives("the jammed approach", TimeSpan.FromSeconds(3), t => Assertions.Expect(row.Locator(".approach")).ToHaveTextAsync("EB jammed 64%", new() { Timeout = t }));
        await Assertions.Expect(row.Locator(".phase")).ToHaveTextAsync("4");
        Assert.Equal(0, listReads);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "traffic.png"), FullPage = true });
    }

    [Fact]
    public async Task The_map_draws_camera_views_and_turns_a_detector_red_live_when_it_reads_high()
    {
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory());
        var district = MemoryPlatformFixture.NewId("Views");
        await platform.Api.OnboardAsync(TestDevices.Camera("cam-" + district, district, 37.4849, 126.8985, bearing: 45, fieldOfView: 70, range: 120));
        await platform.Api.OnboardAsync(TestDevices.Camera("cam2-" + district, district, 37.4856, 126.8999, bearing: 200, fieldOfView: 50, range: 80));
        var page = await browser.SignInAsync(platform.BaseAddress, PlatformApi.Operator, "/map");
        await Assertions.Expect(page.Locator("path.camera-view")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("path.device.camera.normal")).ToHaveCountAsync(0);

        await platform.Api.LeakAsync(district);

        await Live.Arrives("the detector turning red on the map", TimeSpan.FromSeconds(3), t => Assertions.Expect(page.Locator("path.device.gasSensor.alarm")).ToHaveCountAsync(1, new() { Timeout = t }));
        await page.Locator("label", new() { HasText = "Crime prevention" }).Locator("input").UncheckAsync();
        await Assertions.Expect(page.Locator("path.camera-view")).ToHaveCountAsync(0);
        await page.Locator("label", new() { HasText = "Crime prevention" }).Locator("input").CheckAsync();
        await Assertions.Expect(page.Locator("path.camera-view")).ToHaveCountAsync(2);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "map-views.png") });
    }

    /// <summary>
    /// A chlorine leak at noon with a 3 m/s westerly: the map draws the 400 m protective square east of the leak with
    /// the wind at the source, and the answers of the signal inside (evacuation) and the one at the way in (closure);
    /// then a fire engine's route through both signals with each signal's priority answer.
    /// </summary>
    [Fact]
    public async Task The_map_draws_a_confirmed_leaks_hazard_zone_and_a_route_with_the_signals_answers()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 3, 0, 0, TimeSpan.Zero));
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory(), time);
        var api = platform.Api;
        var district = MemoryPlatformFixture.NewId("Hazard");
        async Task<(string, string)> Onboard(string id, string kind, double lat, double lon, object? settings = null)
        {
            var credential = await api.OnboardAsync(new Dictionary<string, object?>
            {
                ["id"] = id, ["kind"] = kind, ["name"] = id, ["location"] = new { latitude = lat, longitude = lon }, ["district"] = district,
                ["zone"] = "complex", ["heartbeatSeconds"] = 600,
                [kind] = settings,
            });
            return credential;
        }

        async Task Report((string, string) credential, string id, string metric, double value, string unit)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            using var response = await api.PostTelemetryAsync(credential, new { readings = new[] { TestDevices.Reading(id, time.GetUtcNow(), metric, value, unit) } });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        var mast = await Onboard($"wx-{district}", "weatherStation", 37.4850, 126.8950);
        await Report(mast, $"wx-{district}", "windSpeed", 3, "m/s");
        await Report(mast, $"wx-{district}", "windDirection", 270, "deg");
        var phases = new { cycleSeconds = 90, phases = new[] { new { phase = 2, minGreenSeconds = 10, maxGreenSeconds = 40, yellowSeconds = 3, redClearanceSeconds = 2 } } };
        var inside = await Onboard($"sig-in-{district}", "trafficSignal", 37.4851, 126.8975, phases);
        await Report(inside, $"sig-in-{district}", "phase", 2, "phase");
        var entry = await Onboard($"sig-entry-{district}", "trafficSignal", 37.4880, 126.8975, phases);
        await Report(entry, $"sig-entry-{district}", "phase", 2, "phase");
        var page = await browser.SignInAsync(platform.BaseAddress, PlatformApi.Operator, "/map");

        var gas = await Onboard($"gas-{district}", "gasSensor", 37.4850, 126.8950, new { gas = "Cl2", unit = "ppm", low = 0.5, high = 1 });
        await Report(gas, $"gas-{district}", "concentration", 5, "ppm");
        await Live.Arrives("the hazard zone on the map", TimeSpan.FromSeconds(10), t => Assertions.Expect(page.Locator("path.hazard-zone")).ToHaveCountAsync(1, new() { Timeout = t }));
        await Assertions.Expect(page.Locator(".hazard-source")).ToContainTextAsync("wind 3 m/s from 270°");
        await Assertions.Expect(page.Locator(".signal-answer.accepted")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator(".signal-answer", new() { HasText = "Evacuation" })).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator(".signal-answer", new() { HasText = "Closure" })).ToHaveCountAsync(1);

        // Engine 3 comes in from the north-west through both signals: its route and each signal's answer join the map live.
        var incident = (await api.GetJsonAsync($"/api/incidents?district={district}"))["items"]![0]!["id"]!.GetValue<string>();
        using (var route = await api.SendAsync(HttpMethod.Post, $"/api/incidents/{incident}/routes", ("fire", "fire-demo"), PlatformApi.Json(new
        {
            unit = "Engine 3",
            from = new { latitude = 37.4920, longitude = 126.8900 },
            signals = new[] { $"sig-entry-{district}", $"sig-in-{district}" },
        })))
        {
            Assert.Equal(HttpStatusCode.OK, route.StatusCode);
        }
        await Live.Arrives("the route on the map", TimeSpan.FromSeconds(5), t => Assertions.Expect(page.Locator("path.emergency-route")).ToHaveCountAsync(1, new() { Timeout = t }));
        await Assertions.Expect(page.Locator(".priority-answer.granted")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator(".priority-answer", new() { HasText = "Engine 3 SB: granted" })).ToHaveCountAsync(1);
        // The zone lies east of the leak: its box on screen starts at the leak's marker and reaches to its right.
        var zone = (await page.Locator("path.hazard-zone").BoundingBoxAsync())!;
        var source = (await page.Locator(".hazard-source").BoundingBoxAsync())!;
        Assert.True(zone.X + zone.Width > source.X + 20, $"the zone ({zone.X}..{zone.X + zone.Width}) should reach east of the leak ({source.X})");
        foreach (var (width, height) in new[] { (1920, 1080), (1366, 768) })
        {
            await page.SetViewportSizeAsync(width, height);
            await page.Locator("path.hazard-zone").ScrollIntoViewIfNeededAsync();
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, $"map-hazard-{width}x{height}.png") });
        }

        // Engine 3 arrives: its route leaves the map.
        using (var done = await api.SendAsync(HttpMethod.Post, $"/api/incidents/{incident}/routes/Engine 3/complete", ("fire", "fire-demo")))
        {
            Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        }

        await Live.Arrives("the route leaving the map", TimeSpan.FromSeconds(5), t => Assertions.Expect(page.Locator("path.emergency-route")).ToHaveCountAsync(0, new() { Timeout = t }));
    }

    /// <summary>A route planned on the map: the incident, the unit (a rostered one starts from its station), the signals in order, then the answers.</summary>
    [Fact]
    public async Task A_dispatcher_plans_a_units_route_on_the_map_and_sees_each_signals_answer()
    {
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory());
        var api = platform.Api;
        var district = MemoryPlatformFixture.NewId("Route");
        using (var unit = await api.SendAsync(HttpMethod.Put, "/api/units/fire/near", PlatformApi.Admin, PlatformApi.Json(new { name = "Near Engine", station = new { latitude = 37.4905, longitude = 126.8990 } })))
        {
            Assert.True(unit.IsSuccessStatusCode);
        }

        var phases = new { cycleSeconds = 90, phases = new[] { new { phase = 2, minGreenSeconds = 10, maxGreenSeconds = 40, yellowSeconds = 3, redClearanceSeconds = 2 } } };
        foreach (var (id, lat) in new[] { ($"sig-a-{district}", 37.4890), ($"sig-b-{district}", 37.4870) })
        {
            var credential = await api.OnboardAsync(new { id, kind = "trafficSignal", name = id, location = new { latitude = lat, longitude = 126.8990 }, district, zone = "road", heartbeatSeconds = 600, trafficSignal = phases });
            using var report = await api.PostTelemetryAsync(credential, new { readings = new[] { TestDevices.Reading(id, DateTimeOffset.UtcNow, "phase", 2, "phase") } });
            Assert.Equal(HttpStatusCode.Accepted, report.StatusCode);
        }

        await api.LeakAsync(district);
        var page = await browser.SignInAsync(platform.BaseAddress, ("fire", "fire-demo"), "/map");
        await page.SetViewportSizeAsync(1920, 1080);
        await Assertions.Expect(page.Locator(".incident-marker")).ToHaveCountAsync(1, new() { Timeout = 10 * Seconds });
        await page.Locator(".incident-marker").ClickAsync();
        await Assertions.Expect(page.Locator("#route-panel")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#route-unit")).ToHaveValueAsync("near");
        await Assertions.Expect(page.Locator("#route-send")).ToBeDisabledAsync();

        // The engine comes south from its station through signal A, then B.
        var signals = page.Locator("path.device.trafficSignal");
        await Assertions.Expect(signals).ToHaveCountAsync(2);
        foreach (var index in await OrderByLatitude(page, signals))
        {
            // Where the marker is drawn, as a person clicks it (the map's panes move with the panel opening above it).
            var box = (await signals.Nth(index).BoundingBoxAsync())!;
            await page.Mouse.ClickAsync(box.X + box.Width / 2, box.Y + box.Height / 2);
        }

        await Assertions.Expect(page.Locator("#route-signals")).ToHaveTextAsync($"1. sig-a-{district}  2. sig-b-{district}");
        await page.SetViewportSizeAsync(1366, 768);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "map-route-plan-1366x768.png") });
        await page.ClickAsync("#route-send");
        await Assertions.Expect(page.Locator("#route-panel")).ToBeHiddenAsync();
        await Live.Arrives("the route with its answers", TimeSpan.FromSeconds(5), t => Assertions.Expect(page.Locator(".priority-answer.granted")).ToHaveCountAsync(2, new() { Timeout = t }));
        await Assertions.Expect(page.Locator(".priority-answer", new() { HasText = "near SB: granted" })).ToHaveCountAsync(2);
        await page.SetViewportSizeAsync(1920, 1080);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "map-route-1920x1080.png") });
    }

    /// <summary>The indexes of the markers, northernmost first (higher on screen).</summary>
    private static async Task<List<int>> OrderByLatitude(IPage page, ILocator markers)
    {
        var boxes = new List<(int Index, float Y)>();
        for (var i = 0; i < await markers.CountAsync(); i++)
        {
            boxes.Add((i, (await markers.Nth(i).BoundingBoxAsync())!.Y));
        }

        return [.. boxes.OrderBy(b => b.Y).Select(b => b.Index)];
    }

    /// <summary>The wall shows only the cameras an open incident involves: a leak's hazard zone brings the camera beside it, and the incident's end takes it away.</summary>
    [Fact]
    public async Task The_video_wall_shows_only_the_cameras_that_an_open_incident_involves()
    {
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory());
        var api = platform.Api;
        var district = MemoryPlatformFixture.NewId("Wall");
        await api.OnboardAsync(TestDevices.Camera($"cam-near-{district}", district, 37.4852, 126.8991, bearing: 180, fieldOfView: 60, range: 80));
        await api.OnboardAsync(TestDevices.Camera($"cam-far-{district}", district, 37.5300, 126.9500, bearing: 0, fieldOfView: 60, range: 80));
        var page = await browser.SignInAsync(platform.BaseAddress, PlatformApi.Operator, "/wall");
        await Assertions.Expect(page.Locator("#empty")).ToBeVisibleAsync();

        // A leak beside the near camera: its hazard zone attaches it, and the wall shows it with the incident.
        await api.LeakAsync(district);
        var tile = page.Locator($".tile[data-camera='cam-near-{district}']");
        await Live.Arrives("the camera on the wall", TimeSpan.FromSeconds(10), t => Assertions.Expect(tile).ToHaveCountAsync(1, new() { Timeout = t }));
        await Assertions.Expect(page.Locator(".tile")).ToHaveCountAsync(1);
        await Assertions.Expect(tile.Locator("figcaption")).ToContainTextAsync("P1");
        await Assertions.Expect(tile.Locator("figcaption a")).ToContainTextAsync("Chemical leak");
        await Assertions.Expect(tile.Locator(".no-live")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#empty")).ToBeHiddenAsync();
        foreach (var (width, height) in new[] { (1920, 1080), (1366, 768) })
        {
            await page.SetViewportSizeAsync(width, height);
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, $"wall-{width}x{height}.png") });
        }

        // The incident is cancelled: the camera leaves the wall.
        var incident = (await api.GetJsonAsync($"/api/incidents?district={district}"))["items"]![0]!["id"]!.GetValue<string>();
        using (var cancel = await api.SendAsync(HttpMethod.Post, $"/api/incidents/{incident}/actions/cancel", PlatformApi.Operator, PlatformApi.Json(new { text = "drill" })))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }

        await Live.Arrives("the camera leaving the wall", TimeSpan.FromSeconds(5), t => Assertions.Expect(page.Locator(".tile")).ToHaveCountAsync(0, new() { Timeout = t }));
        await Assertions.Expect(page.Locator("#empty")).ToBeVisibleAsync();
    }

    /// <summary>
    /// Selective monitoring on a 4-tile wall: three quiet cameras shown in turn; an intrusion on one brings it to the
    /// first tile within 2 s, saying why, with a picture that moves; the layout and mode are the user's after a reload.
    /// </summary>
    [Fact]
    public async Task The_selective_wall_brings_a_new_video_alarms_camera_to_the_first_tile_within_2_s_with_moving_frames()
    {
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory());
        var district = MemoryPlatformFixture.NewId("Sel");
        var (gate, road, yard) = ($"cam-gate-{district}", $"cam-road-{district}", $"cam-yard-{district}");
        // Cameras with streams (the test's worker stands in for the one that reads them).
        await platform.Api.OnboardAsync(TestDevices.Camera(gate, district, 37.4852, 126.8991, bearing: 180, fieldOfView: 60, range: 80, streamUrl: "rtsp://10.20.0.5:8554/" + gate));
        await platform.Api.OnboardAsync(TestDevices.Camera(road, district, 37.5300, 126.9500, bearing: 0, fieldOfView: 60, range: 80, streamUrl: "rtsp://10.20.0.5:8554/" + road));
        await platform.Api.OnboardAsync(TestDevices.Camera(yard, district, 37.5400, 126.9600, bearing: 90, fieldOfView: 60, range: 80, streamUrl: "rtsp://10.20.0.5:8554/" + yard));
        var images = Path.Combine(RepoPaths.Root, "ControlRoom.Web", "wwwroot", "lib", "leaflet", "images");
        byte[][] frames = [await File.ReadAllBytesAsync(Path.Combine(images, "marker-icon.png"), TestContext.Current.CancellationToken),
            await File.ReadAllBytesAsync(Path.Combine(images, "layers.png"), TestContext.Current.CancellationToken)];
        await using var worker = await FrameWorker.StartAsync(platform, [gate, road, yard], frames);

        var page = await browser.SignInAsync(platform.BaseAddress, PlatformApi.Operator, "/wall");
        await page.SetViewportSizeAsync(1920, 1080);
        await page.SelectOptionAsync("#layout", "4");
        await page.SelectOptionAsync("#mode", "selective");
        await Assertions.Expect(page.Locator(".tile .why.cycle")).ToHaveCountAsync(3);

        var camera = platform.Services.GetRequiredService<IGrainFactory>().GetGrain<ICameraGrain>(gate);
        await camera.ReportVideoEvent(new VideoEvent(VideoEventType.Intrusion, 1.2, "gate", 7, [10, 10, 20, 40], 0.81, ObjectClass: ObjectClass.Person,
            At: DateTimeOffset.UtcNow, Detector: "centernet"));
        var first = page.Locator(".tile").First;
        await Live.Arrives("the intrusion's camera on the first tile", TimeSpan.FromSeconds(2), t => Assertions.Expect(first).ToHaveAttributeAsync("data-camera", gate, new() { Timeout = t }));
        // The tile says what the camera's detector saw, and how sure it was.
        await Assertions.Expect(first.Locator(".why.alarm")).ToHaveTextAsync("its alarm: Person in restricted zone gate, confidence 0.81 (momentary)");
        await Assertions.Expect(first.Locator(".priority")).ToHaveTextAsync("P2");
        await Assertions.Expect(page.Locator(".tile")).ToHaveCountAsync(3);

        // Moving: the tile's picture changes as the worker's frames do (two pictures of different widths, in turn).
        var widths = await first.Locator("img.live").EvaluateAsync<int[]>("""
            img => new Promise(done => {
              const seen = new Set();
              const timer = setInterval(() => seen.add(img.naturalWidth), 50);
              setTimeout(() => { clearInterval(timer); done([...seen]); }, 2000);
            })
            """);
        Assert.True(widths.Where(w => w > 0).Distinct().Count() >= 2, $"the picture moves: widths seen {string.Join(", ", widths)}");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "wall-selective-1920x1080.png") });

        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#layout")).ToHaveValueAsync("4");
        await Assertions.Expect(page.Locator("#mode")).ToHaveValueAsync("selective");
    }

    [Fact]
    public async Task An_operator_shelves_a_leak_with_a_reason_and_sees_the_consoles_alarm_rate()
    {
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory());
        var district = MemoryPlatformFixture.NewId("Shelve");
        await platform.Api.LeakAsync(district);
        var id = await platform.Api.WaitForIncidentAsync(district);
        var page = await browser.SignInAsync(platform.BaseAddress, PlatformApi.Operator);
        await Assertions.Expect(page.Locator("#rate")).ToHaveTextAsync("Alarm rate: 2 / 10 min (P1 1, P2 1)", new() { Timeout = 3 * Seconds });

        var row = page.Locator("#queue tbody tr", new() { HasText = district });
        await row.Locator(".shelve").ClickAsync();
        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("Give a reason");
        await page.FillAsync("#shelve-reason", "detector under maintenance");
        await row.ClickAsync();
        await page.Keyboard.PressAsync("s");

        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("2 alarm(s)", new() { Timeout = 3 * Seconds });
        // The queue shows it: greyed, below the others, with the shelf's end.
        await Live.Arrives("the shelved row", TimeSpan.FromSeconds(3), t => Assertions.Expect(row).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bshelved\b"), new() { Timeout = t }));
        await Assertions.Expect(row.Locator(".shelved-until")).ToContainTextAsync("shelved until");
        var detail = await platform.Api.GetJsonAsync($"/api/incidents/{id}");
        Assert.All(detail["alarms"]!.AsArray(), a => Assert.Equal("shelved", a!["state"]!.GetValue<string>()));
        Assert.Contains(detail["timeline"]!.AsArray(), e => e!.ToJsonString().Contains("detector under maintenance", StringComparison.Ordinal));
    }

    /// <summary>
    /// An admin draws an intrusion zone on a camera (no pipeline runs it, so on a blank frame of its 1280×720 source):
    /// a bow-tie is refused with the API's rule beside the zone and nothing is saved; a quadrilateral is saved in the
    /// source's pixels.
    /// </summary>
    [Fact]
    public async Task An_admin_draws_a_cameras_zone_the_api_refuses_a_crossed_one_and_saves_a_good_one()
    {
        var district = MemoryPlatformFixture.NewId("Zones");
        var id = "cam-" + district;
        await fixture.Api.OnboardAsync(TestDevices.Camera(id, district, 37.4849, 126.8985, bearing: 45, fieldOfView: 70, range: 120));
        var page = await browser.SignInAsync(fixture.Platform.BaseAddress, PlatformApi.Admin, "/admin");
        await page.SetViewportSizeAsync(1366, 768);
        await page.FillAsync("#district", district);
        await page.ClickAsync("#refresh");
        await page.Locator("#devices tbody tr", new() { HasText = id }).Locator("button.zones").ClickAsync();
        var editor = page.Locator("#zone-editor");
        await Assertions.Expect(editor.Locator("h2")).ToContainTextAsync($"Camera {id}");
        await Assertions.Expect(editor).ToContainTextAsync("No live frame");
        var overlay = editor.Locator("svg.zone-overlay");
        var box = (await overlay.BoundingBoxAsync())!;

        async Task Draw(params (double X, double Y)[] fractions)
        {
            await page.ClickAsync("#zone-new");
            foreach (var (x, y) in fractions)
            {
                await overlay.ClickAsync(new() { Position = new() { X = (float)(x * box.Width), Y = (float)(y * box.Height) } });
            }

            await page.ClickAsync("#zone-finish");
        }

        // Crossed: its first and third sides cross (a lopsided bow-tie).
        await Draw((0.1, 0.1), (0.6, 0.5), (0.6, 0.1), (0.1, 0.4));
        await page.ClickAsync("#zone-save");
        await Assertions.Expect(editor.Locator(".zone-row.invalid .field-error")).ToHaveTextAsync("zones[0].polygon: must not cross itself");
        Assert.Empty((await fixture.Api.GetJsonAsync($"/api/cameras/{id}/analytics", PlatformApi.Admin))["zones"]!.AsArray());

        await editor.Locator(".zone-row button", new() { HasText = "Delete" }).ClickAsync();
        await Draw((0.25, 0.5), (0.75, 0.5), (0.75, 0.9), (0.25, 0.9));
        await editor.Locator(".zone-row input").First.FillAsync("gate");
        await editor.Locator(".zone-row input").First.DispatchEventAsync("change");
        // The camera finds objects with the trained detector, and the gate watches people and bicycles only.
        await page.SelectOptionAsync("#zone-detector", "objects");
        await Assertions.Expect(page.Locator("#zone-min-confidence")).ToBeVisibleAsync();
        await editor.Locator(".zone-classes summary").ClickAsync();
        await editor.Locator(".zone-classes input[value=person]").CheckAsync();
        await editor.Locator(".zone-classes input[value=bicycle]").CheckAsync();
        await Assertions.Expect(editor.Locator(".zone-classes summary")).ToHaveTextAsync("person, bicycle");
        await page.ClickAsync("#zone-save");
        await Assertions.Expect(editor.Locator("#zone-message")).ToHaveTextAsync("Saved: 1 zone(s)");
        await Assertions.Expect(editor.Locator("polygon.zone.intrusion")).ToHaveCountAsync(1);
        await editor.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "admin-zones-1366x768.png") });

        var saved = await fixture.Api.GetJsonAsync($"/api/cameras/{id}/analytics", PlatformApi.Admin);
        Assert.Equal("objects", saved["detector"]!.GetValue<string>());
        var zone = saved["zones"]!.AsArray().Single()!;
        Assert.Equal(("gate", "intrusion"), (zone["name"]!.GetValue<string>(), zone["kind"]!.GetValue<string>()));
        Assert.Equal(["person", "bicycle"], zone["classes"]!.AsArray().Select(c => c!.GetValue<string>()));
        var points = zone["polygon"]!.AsArray().Select(p => (X: p!["x"]!.GetValue<double>(), Y: p["y"]!.GetValue<double>())).ToList();
        var expected = new[] { (320.0, 360.0), (960.0, 360.0), (960.0, 648.0), (320.0, 648.0) };
        Assert.Equal(expected.Length, points.Count);
        foreach (var (point, want) in points.Zip(expected))
        {
            Assert.InRange(point.X, want.Item1 - 4, want.Item1 + 4);
            Assert.InRange(point.Y, want.Item2 - 4, want.Item2 + 4);
        }
    }

    /// <summary>An admin's mistakes show beside the fields the API names; the place is then picked with a click on the map.</summary>
    [Fact]
    public async Task An_admin_sees_each_refusal_beside_its_field_and_picks_the_place_on_the_map()
    {
        var district = MemoryPlatformFixture.NewId("Pick");
        var id = "gas-" + district;
        var page = await browser.SignInAsync(fixture.Platform.BaseAddress, PlatformApi.Admin, "/admin");
        await page.SetViewportSizeAsync(1366, 768);
        await page.FillAsync("#f-id", id);
        await page.SelectOptionAsync("#f-kind", "gasSensor");
        await page.FillAsync("#f-name", "Plant 3 detector");
        await page.FillAsync("#f-lat", "95");
        await page.FillAsync("#f-lon", "126.9");
        await page.FillAsync("#f-district", district);
        await page.FillAsync("#f-zone", "plant-3");
        await page.FillAsync("#f-gas", "NH3");
        await page.FillAsync("#f-low", "35");
        await page.FillAsync("#f-high", "25");
        await page.ClickAsync("#save");

        await Assertions.Expect(page.Locator("label:has(#f-lat) .field-error")).ToContainTextAsync("latitude between -90 and 90");
        await Assertions.Expect(page.Locator("#f-lat")).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(page.Locator(".device-form .field-error")).Not.ToHaveCountAsync(0);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "admin-errors-1366x768.png") });

        await page.FillAsync("#f-low", "25");
        await page.FillAsync("#f-high", "35");
        var picker = (await page.Locator("#f-map").BoundingBoxAsync())!;
        await page.Locator("#f-map").ClickAsync(new() { Position = new() { X = picker.Width / 2, Y = picker.Height / 2 } });
        var (lat, lon) = (double.Parse(await page.InputValueAsync("#f-lat"), System.Globalization.CultureInfo.InvariantCulture),
            double.Parse(await page.InputValueAsync("#f-lon"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(lat, 37.3, 37.8);
        Assert.InRange(lon, 126.6, 127.3);
        await Assertions.Expect(page.Locator("#f-map path.picked")).ToHaveCountAsync(1);
        await page.ClickAsync("#save");

        await Assertions.Expect(page.Locator("#credential")).ToContainTextAsync($"{id} onboarded");
        await Assertions.Expect(page.Locator(".device-form .field-error")).ToHaveCountAsync(0);
        var device = await fixture.Api.GetJsonAsync($"/api/devices/{id}", PlatformApi.Admin);
        Assert.Equal(lat, device["location"]!["latitude"]!.GetValue<double>(), 5);
    }

    [Fact]
    public async Task An_admin_adds_a_camera_with_the_form_then_edits_it()
    {
        var district = MemoryPlatformFixture.NewId("Form");
        var id = "cam-" + district;
        var page = await browser.SignInAsync(fixture.Platform.BaseAddress, PlatformApi.Admin, "/admin");

        await page.FillAsync("#f-id", id);
        await page.SelectOptionAsync("#f-kind", "gasSensor");
        await Assertions.Expect(page.Locator("fieldset[data-kind=gasSensor]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("fieldset[data-kind=camera]")).ToBeHiddenAsync();
        await page.SelectOptionAsync("#f-kind", "camera");

        // Only the camera's fields show for a camera.
        await Assertions.Expect(page.Locator("fieldset[data-kind=camera]")).ToBeVisibleAsync();
        foreach (var other in new[] { "gasSensor", "floodSensor", "trafficSignal" })
        {
            await Assertions.Expect(page.Locator($"fieldset[data-kind={other}]")).ToBeHiddenAsync();
        }

        await page.FillAsync("#f-name", "Gate camera");
        await page.FillAsync("#f-lat", "37.4850");
        await page.FillAsync("#f-lon", "126.8990");
        await page.FillAsync("#f-district", district);
        await page.FillAsync("#f-zone", "gate");
        await page.FillAsync("#f-bearing", "90");
        await page.FillAsync("#f-fov", "60");
        await page.FillAsync("#f-range", "150");
        await page.SelectOptionAsync("#f-owner", "police");
        await page.CheckAsync("#f-purposes input[value=facilitySafety]");
        await page.ClickAsync("#save");
        await Assertions.Expect(page.Locator("#credential")).ToContainTextAsync($"{id} onboarded; its credential, shown once: user device:{id}, secret ");

        await page.FillAsync("#district", district);
        await page.ClickAsync("#refresh");
        var row = page.Locator("#devices tbody tr", new() { HasText = id });
        await Assertions.Expect(row).ToContainTextAsync("Gate camera");
        await row.Locator("button", new() { HasText = "Edit" }).ClickAsync();
        await Assertions.Expect(page.Locator("#f-id")).ToBeDisabledAsync();
        await Assertions.Expect(page.Locator("#f-range")).ToHaveValueAsync("150");
        await page.FillAsync("#f-name", "North gate camera");
        await page.FillAsync("#f-range", "-5");
        await page.ClickAsync("#save");
        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("camera.rangeMeters");
        await page.FillAsync("#f-range", "200");
        await page.SelectOptionAsync("#f-status", "maintenance");
        await page.ClickAsync("#save");

        await Assertions.Expect(row).ToContainTextAsync("North gate camera");
        await Assertions.Expect(row).ToContainTextAsync("maintenance");
        var device = await fixture.Api.GetJsonAsync($"/api/devices/{id}");
        Assert.Equal(200, device["camera"]!["rangeMeters"]!.GetValue<double>());
        Assert.Equal(90, device["camera"]!["bearingDegrees"]!.GetValue<double>());
        Assert.Equal("police", device["camera"]!["owner"]!.GetValue<string>());
        Assert.Equal(["crimePrevention", "facilitySafety"], device["camera"]!["purposes"]!.AsArray().Select(p => p!.GetValue<string>()));
    }

    [Fact]
    public async Task A_user_switches_the_pages_to_Korean_and_they_stay_Korean()
    {
        var district = MemoryPlatformFixture.NewId("Ko");
        var signal = "sig-" + district;
        await Send(await fixture.Api.OnboardAsync(TestDevices.Signal(signal, district)), ("phase", 2, "phase"), ("mode", 0, "code"), ("occupancy.EB", 12, "%"));
        var page = await browser.SignInAsync(fixture.Platform.BaseAddress, PlatformApi.Operator);
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Incident queue");

        await page.SelectOptionAsync("#language", "ko");

        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("사건 대기열");
        await Assertions.Expect(page.Locator("header nav a[href='/map']")).ToHaveTextAsync("지도");
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "ko");
        await page.GotoAsync("/traffic");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("교통 신호");
        var row = page.Locator("#signals tbody tr", new() { HasText = $"Signal {signal}" });
        await Assertions.Expect(row.Locator(".mode")).ToHaveTextAsync("정상");
        await Assertions.Expect(row.Locator(".approach")).ToHaveTextAsync("EB 원활 12%");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "traffic-ko.png"), FullPage = true });

        // An incident in Korean: status, agency, title and procedure, in the queue and on its page; no English one left.
        await fixture.Api.LeakAsync(district);
        var incident = await fixture.Api.WaitForIncidentAsync(district);
        await page.GotoAsync("/");
        var queued = page.Locator("#queue tbody tr", new() { HasText = district });
        await Assertions.Expect(queued.Locator(".status")).ToHaveTextAsync("신규");
        await Assertions.Expect(page.Locator("#connection")).ToHaveTextAsync("실시간");
        await Assertions.Expect(queued).ToContainTextAsync("소방");
        await Assertions.Expect(queued).ToContainTextAsync($"화학물질 누출, plant-1, {district}");
        string[] english = ["new", "acknowledged", "dispatched", "en route", "enRoute", "on scene", "resolved", "closed", "Fire", "Police", "Traffic", "Chemical leak"];
        // This test's row and the counts (other tests' districts are named in English, e.g. "Traffic-…").
        var queueText = (await queued.InnerTextAsync()).Replace(district, "", StringComparison.Ordinal) + await page.Locator("#counts").InnerTextAsync();
        Assert.DoesNotContain(english, word => System.Text.RegularExpressions.Regex.IsMatch(queueText, $@"\b{word}\b"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "queue-ko-1366x768.png") });

        await page.GotoAsync($"/incidents/{incident}");
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("신규");
        await Assertions.Expect(page.Locator("#agencies")).ToHaveTextAsync("소방");
        await Assertions.Expect(page.Locator("#title")).ToHaveTextAsync($"화학물질 누출, plant-1, {district}");
        await Assertions.Expect(page.Locator("#procedure li").First).ToContainTextAsync("가장 가까운 카메라와 다른 감지기로 측정값을 확인");
        await Assertions.Expect(page.Locator("#alarms tbody")).ToContainTextAsync("가스 고농도");
        var pageText = await page.Locator("main").InnerTextAsync();
        var headerLine = await page.Locator("main section").First.Locator("p").First.InnerTextAsync();
        Assert.DoesNotContain(english, word => System.Text.RegularExpressions.Regex.IsMatch(headerLine, $@"\b{word}\b"));
        Assert.DoesNotContain("Confirm the reading", pageText, StringComparison.Ordinal);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "incident-ko-1366x768.png"), FullPage = true });

        // A district the basemap knows reads in Korean: Guro is 구로구.
        var place = "gate-" + Guid.NewGuid().ToString("N")[..6];
        using (var call = await fixture.Api.SendAsync(HttpMethod.Post, "/api/incidents", PlatformApi.Operator, PlatformApi.Json(new
               {
                   type = "fire", location = new { latitude = 37.4951, longitude = 126.8875 }, district = "Guro", zone = place, description = "smoke",
               })))
        {
            Assert.Equal(HttpStatusCode.Created, call.StatusCode);
        }

        await page.GotoAsync("/");
        await Assertions.Expect(page.Locator("#queue tbody tr", new() { HasText = place })).ToContainTextAsync($"화재, {place}, 구로구");
    }

    private async Task Send((string Username, string Secret) credential, params (string Metric, double Value, string Unit)[] readings)
    {
        var id = credential.Username["device:".Length..];
        var now = DateTimeOffset.UtcNow;
        using var response = await fixture.Api.PostTelemetryAsync(credential, new { readings = readings.Select(r => TestDevices.Reading(id, now, r.Metric, r.Value, r.Unit)).ToArray() });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }
}
