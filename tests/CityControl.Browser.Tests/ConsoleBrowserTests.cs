using System.Text;
using System.Text.RegularExpressions;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;
using Microsoft.Playwright;

namespace CityControl.Tests.Browser;

/// <summary>Dispatcher consoles and device administration in a real browser.</summary>
[Collection(MemoryPlatformCollection.Name)]
public sealed partial class ConsoleBrowserTests(MemoryPlatformFixture fixture, BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const float Seconds = 1000;
    private static readonly (string, string) Fire = ("fire", "fire-demo");

    /// <summary>The console offers the nearest available units of the roster; dispatching one makes it busy.</summary>
    [Fact]
    public async Task The_fire_console_offers_the_nearest_available_unit_and_dispatching_it_takes_it_off_the_roster()
    {
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory());
        foreach (var (id, name, lat) in new[] { ("near", "Near Engine", 37.4905), ("mid", "Mid Engine", 37.5004) })
        {
            using var put = await platform.Api.SendAsync(HttpMethod.Put, $"/api/units/fire/{id}", PlatformApi.Admin,
                PlatformApi.Json(new { name, station = new { latitude = lat, longitude = 126.8990 } }));
            Assert.True(put.IsSuccessStatusCode);
        }

        var district = MemoryPlatformFixture.NewId("Units");
        await platform.Api.LeakAsync(district);
        var fire = await browser.SignInAsync(platform.BaseAddress, Fire, "/dispatch");
        var row = fire.Locator("#incidents tbody tr", new() { HasText = district });
        await Assertions.Expect(row).ToHaveCountAsync(1, new() { Timeout = 10 * Seconds });
        await row.ClickAsync();

        await Assertions.Expect(fire.Locator("#unit-input")).ToHaveAttributeAsync("placeholder", "Nearest available: Near Engine (0.6 km)");
        // The scene beside the actions: the incident on a map, and what cameras there are to see it.
        await Assertions.Expect(fire.Locator("#dispatch-map .incident-marker .priority")).ToHaveTextAsync("P1");
        await Assertions.Expect(fire.Locator("#dispatch-map path.basemap-districts").First).ToBeAttachedAsync();
        await Assertions.Expect(fire.Locator("#dispatch-cameras")).ToContainTextAsync("No camera near the scene");
        await Assertions.Expect(fire.Locator("#units option")).ToHaveCountAsync(2);
        await Assertions.Expect(fire.Locator("#units option").First).ToHaveAttributeAsync("value", "near");
        foreach (var (width, height) in new[] { (1920, 1080), (1366, 768) })
        {
            await fire.SetViewportSizeAsync(width, height);
            await fire.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, $"dispatch-units-{width}x{height}.png") });
        }

        await fire.FillAsync("#unit-input", "near");
        await fire.ClickAsync("[data-action=dispatch]");
        await Assertions.Expect(fire.Locator("#status")).ToHaveTextAsync("dispatched");
        await row.ClickAsync();
        await Assertions.Expect(fire.Locator("#unit-input")).ToHaveAttributeAsync("placeholder", "Nearest available: Mid Engine (1.7 km)");
    }

    /// <summary>
    /// An operator has a leak's page open; the fire dispatcher accepts it from another console and the page shows it
    /// live (status and timeline). The operator then dispatches the nearest rostered unit from the page; only the moves
    /// the lifecycle allows are offered, and a dispatcher's page has no operator-only actions.
    /// </summary>
    [Fact]
    public async Task The_incident_page_follows_another_consoles_action_live_and_offers_only_the_allowed_actions()
    {
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory());
        using (var put = await platform.Api.SendAsync(HttpMethod.Put, "/api/units/fire/near", PlatformApi.Admin,
                   PlatformApi.Json(new { name = "Near Engine", station = new { latitude = 37.4905, longitude = 126.8990 } })))
        {
            Assert.True(put.IsSuccessStatusCode);
        }

        var district = MemoryPlatformFixture.NewId("Live");
        await platform.Api.LeakAsync(district);
        var id = await platform.Api.WaitForIncidentAsync(district);
        var page = await browser.SignInAsync(platform.BaseAddress, PlatformApi.Operator, $"/incidents/{id}");
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("new");
        await Assertions.Expect(page.Locator("[data-action=acknowledge]")).ToBeEnabledAsync();
        await Assertions.Expect(page.Locator("[data-action=en-route]")).ToBeDisabledAsync();
        await Assertions.Expect(page.Locator("[data-action=close]")).ToBeDisabledAsync();

        using (var accepted = await platform.Api.SendAsync(HttpMethod.Post, $"/api/incidents/{id}/actions/acknowledge", Fire, PlatformApi.Json(new { })))
        {
            Assert.True(accepted.IsSuccessStatusCode);
        }

        await Live.Arrives("the fire dispatcher's acceptance on the operator's page", TimeSpan.FromSeconds(3),
            t => Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("acknowledged", new() { Timeout = t }));
        await Assertions.Expect(page.Locator("#timeline li").Last).ToContainTextAsync("fire");
        await Assertions.Expect(page.Locator("[data-action=acknowledge]")).ToBeDisabledAsync();

        await Assertions.Expect(page.Locator("#units option")).ToHaveCountAsync(1);
        await page.FillAsync("#unit-input", "near");
        await page.ClickAsync("[data-action=dispatch]");
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("dispatched");
        await Assertions.Expect(page.Locator("#unit")).ToHaveTextAsync("near");
        await Assertions.Expect(page.Locator("[data-action=en-route]")).ToBeEnabledAsync();
        foreach (var (width, height) in new[] { (1920, 1080), (1366, 768) })
        {
            await page.SetViewportSizeAsync(width, height);
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), $"no horizontal scroll at {width}x{height}");
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, $"incident-live-{width}x{height}.png"), FullPage = true });
        }

        var fire = await browser.SignInAsync(platform.BaseAddress, Fire, $"/incidents/{id}");
        await Assertions.Expect(fire.Locator("[data-action=en-route]")).ToBeEnabledAsync();
        await Assertions.Expect(fire.Locator("[data-action=close]")).ToBeHiddenAsync();
        await Assertions.Expect(fire.Locator("#shelve")).ToBeHiddenAsync();
    }

    /// <summary>
    /// A 119 call: the operator opens the incident on the map (type, a click where it is, the caller, what was said),
    /// lands on its page, and dispatches the nearest unit of the fire roster from there.
    /// </summary>
    [Fact]
    public async Task An_operator_opens_an_incident_from_a_call_on_the_map_and_dispatches_a_rostered_unit()
    {
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory());
        using (var put = await platform.Api.SendAsync(HttpMethod.Put, "/api/units/fire/guro-engine-1", PlatformApi.Admin,
                   PlatformApi.Json(new { name = "Guro Engine 1", station = new { latitude = 37.4921, longitude = 126.8871 } })))
        {
            Assert.True(put.IsSuccessStatusCode);
        }

        var page = await browser.SignInAsync(platform.BaseAddress, PlatformApi.Operator, "/map");
        await page.SetViewportSizeAsync(1366, 768);
        await page.ClickAsync("#call-open");
        await page.SelectOptionAsync("#call-type", "fire");
        await Assertions.Expect(page.Locator("#call-create")).ToBeDisabledAsync();
        await page.Locator("#map").ClickAsync(new() { Position = new() { X = 500, Y = 300 } });
        await Assertions.Expect(page.Locator(".call-marker")).ToHaveCountAsync(1);
        var district = MemoryPlatformFixture.NewId("Call");
        await page.FillAsync("#call-district", district);
        await page.FillAsync("#call-zone", "Digital-ro 300");
        await page.FillAsync("#call-name", "Kim Minji");
        await page.FillAsync("#call-phone", "010-1234-5678");
        await page.FillAsync("#call-description", "Smoke from the third floor of a workshop");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "map-call-1366x768.png") });
        await page.ClickAsync("#call-create");

        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/incidents/call-"));
        await Assertions.Expect(page.Locator("#title")).ToHaveTextAsync($"Fire, Digital-ro 300, {district}");
        await Assertions.Expect(page.Locator("#priority")).ToHaveTextAsync("P1");
        await Assertions.Expect(page.Locator("#description")).ToContainTextAsync("Call from Kim Minji, 010-1234-5678");
        await Assertions.Expect(page.Locator("#units option")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#units option").First).ToHaveAttributeAsync("value", "guro-engine-1");
        await page.FillAsync("#unit-input", "guro-engine-1");
        await page.ClickAsync("[data-action=dispatch]");
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("dispatched");
        await Assertions.Expect(page.Locator("#timeline li").Last).ToContainTextAsync("guro-engine-1");
        var roster = await platform.Api.GetJsonAsync("/api/units/fire", PlatformApi.Operator);
        Assert.Contains(roster.AsArray(), u => (string?)u!["id"] == "guro-engine-1" && (string?)u["status"] != "available");
    }

    /// <summary>
    /// A 119 call about a chlorine cylinder: the fire dispatcher chooses the chemical and the spill on the call panel
    /// (shown only for a leak), and the incident's hazard zone is drawn at once, with no detector in the district: its
    /// step is on the incident's timeline and the zone on the map.
    /// </summary>
    [Fact]
    public async Task A_leak_called_in_with_its_chemical_has_its_hazard_zone_on_the_timeline_and_the_map_at_once()
    {
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory());
        var page = await browser.SignInAsync(platform.BaseAddress, Fire, "/map");
        await page.SetViewportSizeAsync(1366, 768);
        await page.ClickAsync("#call-open");
        await page.SelectOptionAsync("#call-type", "fire");
        await Assertions.Expect(page.Locator("#call-chemical")).ToBeHiddenAsync();
        await page.SelectOptionAsync("#call-type", "chemicalLeak");
        await page.SelectOptionAsync("#call-chemical", "Cl2");
        await page.SelectOptionAsync("#call-spill", "small");
        await page.Locator("#map").ClickAsync(new() { Position = new() { X = 500, Y = 300 } });
        var district = MemoryPlatformFixture.NewId("Leak");
        await page.FillAsync("#call-district", district);
        await page.FillAsync("#call-zone", "water works gate");
        await page.FillAsync("#call-description", "A chlorine cylinder is hissing by the gate");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "map-call-leak-1366x768.png") });
        await page.ClickAsync("#call-create");

        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/incidents/call-"));
        await Assertions.Expect(page.Locator("#description")).ToContainTextAsync("Reported: Chlorine (Cl2), small spill.");
        await Assertions.Expect(page.Locator("#timeline li", new() { HasText = "hazard zone" }).First)
            .ToContainTextAsync("(leak called in): ERG 2008, Table 1 (Initial Isolation and Protective Action Distances): UN1017 Chlorine, small spill");

        // In Korean the hazard model's line says why in Korean (the ERG's own words stay as published).
        await page.SelectOptionAsync("#language", "ko");
        await Assertions.Expect(page.Locator("#timeline")).ToContainTextAsync("버전 1 (누출 신고 접수): ERG 2008, Table 1");
        await page.GotoAsync(new Uri(platform.BaseAddress, "/map").ToString());
        await Assertions.Expect(page.Locator("path.hazard-zone")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task A_fire_dispatcher_accepts_and_dispatches_a_leak_that_a_police_dispatcher_never_sees()
    {
        var fire = await SignIn(Fire, "/dispatch");
        var police = await SignIn(PlatformApi.Police, "/dispatch");
        var district = MemoryPlatformFixture.NewId("Dispatch");

        await fixture.Api.LeakAsync(district);

        var row = fire.Locator("#incidents tbody tr", new() { HasText = district });
        await Live.Arrives("the leak on the fire console", TimeSpan.FromSeconds(3), t => Assertions.Expect(row).ToHaveCountAsync(1, new() { Timeout = t }));
        await row.ClickAsync();
        // Buttons follow the lifecycle: a new incident may be accepted or dispatched, not put en route or on scene.
        await Assertions.Expect(fire.Locator("[data-action=en-route]")).ToBeDisabledAsync();
        await Assertions.Expect(fire.Locator("[data-action=on-scene]")).ToBeDisabledAsync();
        await Assertions.Expect(fire.Locator("[data-action=dispatch]")).ToBeEnabledAsync();
        await fire.ClickAsync("[data-action=acknowledge]");
        await Assertions.Expect(fire.Locator("#status")).ToHaveTextAsync("acknowledged");
        // Each thing said once: the new status, not again as the detail; the broken rule, not again in brackets.
        await Assertions.Expect(fire.Locator("#timeline li").Last).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("fire: acknowledge new → acknowledged$"));
        await fire.ClickAsync("[data-action=dispatch]");
        await Assertions.Expect(fire.Locator("#message")).ToHaveTextAsync("unit: is required for Dispatch");
        await fire.FillAsync("#unit-input", "Guro Engine 3");
        await fire.ClickAsync("[data-action=dispatch]");
        await Assertions.Expect(fire.Locator("#status")).ToHaveTextAsync("dispatched");
        await Assertions.Expect(fire.Locator("#unit")).ToHaveTextAsync("Guro Engine 3");
        await Assertions.Expect(fire.Locator("[data-action=acknowledge]")).ToBeDisabledAsync();
        await Assertions.Expect(fire.Locator("[data-action=dispatch]")).ToBeDisabledAsync();
        await Assertions.Expect(fire.Locator("[data-action=en-route]")).ToBeEnabledAsync();
        await Assertions.Expect(fire.Locator("#timeline li").Last).ToContainTextAsync("fire: dispatch acknowledged → dispatched");
        await fire.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "dispatch.png"), FullPage = true });

        // En route, on scene, resolved: the dispatcher's part is done and the incident leaves the console's list.
        await fire.ClickAsync("[data-action=en-route]");
        await Assertions.Expect(fire.Locator("#status")).ToHaveTextAsync("en route");
        await fire.ClickAsync("[data-action=on-scene]");
        await Assertions.Expect(fire.Locator("#status")).ToHaveTextAsync("on scene");
        await fire.ClickAsync("[data-action=resolve]");
        await Assertions.Expect(row).ToHaveCountAsync(0);

        // A police incident raised after the leak reaches the police console: anything sent about the leak came before it.
        var sentinel = MemoryPlatformFixture.NewId("Sentinel");
        await fixture.Platform.RaiseIntrusionAsync(sentinel);
        await Assertions.Expect(police.Locator("#incidents tbody tr", new() { HasText = sentinel })).ToHaveCountAsync(1, new() { Timeout = 10 * Seconds });
        Assert.Equal(0, await police.Locator("#incidents tbody tr", new() { HasText = district }).CountAsync());
    }

    [Fact]
    public async Task An_admin_imports_a_csv_with_one_bad_row_sees_its_error_and_the_rest_appear_on_the_map()
    {
        var district = MemoryPlatformFixture.NewId("Import");
        var csv = $"""
            id,kind,name,latitude,longitude,district,zone,gas,unit,low,high,referenceLevel,alertLevel,dangerLevel
            {district}-cam,camera,Gate camera,37.4850,126.8990,{district},gate,,,,,,,
            {district}-gas,gasSensor,Ammonia,37.4855,126.8995,{district},plant-1,NH3,ppm,40,35,,,
            {district}-flood,floodSensor,Gauge,37.4860,126.9000,{district},plant-1,,,,,0,0.3,0.6
            """;
        var admin = await SignIn(PlatformApi.Admin, "/admin");

        await admin.SetInputFilesAsync("#file", new FilePayload { Name = "district.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv) });
        await admin.ClickAsync("#import");

        var rejected = admin.Locator("#rejected tbody tr");
        await Assertions.Expect(rejected).ToHaveCountAsync(1);
        await Assertions.Expect(rejected.Locator("td").Nth(0)).ToHaveTextAsync("3");
        await Assertions.Expect(rejected.Locator("td").Nth(2)).ToHaveTextAsync("gasSensor.high");
        await Assertions.Expect(rejected.Locator("td").Nth(3)).ToHaveTextAsync("must be above low");
        await Assertions.Expect(admin.Locator("#accepted tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(admin.Locator("#summary")).ToHaveTextAsync("2 of 3 rows were onboarded; 1 problem(s).");
        await admin.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "admin.png"), FullPage = true });

        await admin.GotoAsync("/map");
        await Assertions.Expect(admin.Locator(".district-label", new() { HasText = district })).ToBeVisibleAsync(new() { Timeout = 10 * Seconds });
    }

    [Fact]
    public async Task Pages_refuse_a_visitor_and_a_wrong_role()
    {
        var visitor = await browser.Browser.NewContextAsync(new() { BaseURL = fixture.Platform.BaseAddress.ToString() });
        var anonymous = await visitor.NewPageAsync();
        await anonymous.GotoAsync("/admin");
        await Assertions.Expect(anonymous).ToHaveURLAsync(LoginUrl());

        var police = await SignIn(PlatformApi.Police, "/dispatch");
        await police.GotoAsync("/admin");
        await Assertions.Expect(police).ToHaveURLAsync(DeniedUrl());
        await Assertions.Expect(police.Locator("#denied")).ToBeVisibleAsync();

        var admin = await SignIn(PlatformApi.Admin, "/admin");
        await admin.GotoAsync("/dispatch");
        await Assertions.Expect(admin).ToHaveURLAsync(DeniedUrl());
    }

    private Task<IPage> SignIn((string User, string Password) user, string path) =>
        browser.SignInAsync(fixture.Platform.BaseAddress, user, path);

    [GeneratedRegex("/login")]
    private static partial Regex LoginUrl();

    [GeneratedRegex("/login\\?denied=1")]
    private static partial Regex DeniedUrl();
}
