using CityControl.Testing;
using CityControl.Tests.Infrastructure;
using Microsoft.Playwright;

namespace CityControl.Tests.Browser;

/// <summary>Purpose-limited video as the people in the room meet it: a fire dispatcher, the operator who grants, the admin who audits.</summary>
public sealed class VideoAccessBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const float Seconds = 1000;
    private static readonly (string User, string Password) Fire = ("fire", "fire-demo");

    [Fact]
    public async Task An_operator_grants_fire_a_far_police_camera_on_the_incident_page_the_dispatcher_then_sees_it_and_the_admin_sees_both_in_the_audit()
    {
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory());
        var district = MemoryPlatformFixture.NewId("Grant");
        var (gate, tower) = ($"cam-{district}-gate", $"cam-{district}-tower");

        // The complex's gate camera beside the detector (the district's, watched for facility safety too), and the
        // police's tower camera 1.5 km north, beyond what an incident grants by itself.
        await platform.Api.OnboardAsync(Camera(gate, "Gate camera", 37.4855, 126.8995, null, ["crimePrevention", "facilitySafety"], district));
        await platform.Api.OnboardAsync(Camera(tower, "Police tower camera", 37.4990, 126.8990, "police", ["crimePrevention", "facilitySafety"], district));
        var frame = await File.ReadAllBytesAsync(Path.Combine(RepoPaths.Root, "ControlRoom.Web", "wwwroot", "lib", "leaflet", "images", "marker-icon.png"), TestContext.Current.CancellationToken);
        await using var worker = await FrameWorker.StartAsync(platform, [gate, tower], frame);
        await platform.Api.LeakAsync(district);
        var incident = await platform.Api.WaitForIncidentAsync(district);

        // The fire dispatcher: the gate camera through the incident's own grant, the tower camera not.
        var fire = await browser.SignInAsync(platform.BaseAddress, Fire, $"/incidents/{incident}");
        var gateRow = fire.Locator("#cameras tbody tr", new() { HasText = "Gate camera" });
        var towerRow = fire.Locator("#cameras tbody tr", new() { HasText = "Police tower camera" });
        await Assertions.Expect(gateRow.Locator("img.live")).ToBeVisibleAsync(new() { Timeout = 5 * Seconds });
        await Assertions.Expect(towerRow).ToContainTextAsync("no access to this camera");
        await Assertions.Expect(fire.Locator("#video-access")).ToBeHiddenAsync();

        // The operator grants the tower camera to fire for an hour, with the reason.
        var operatorPage = await browser.SignInAsync(platform.BaseAddress, PlatformApi.Operator, $"/incidents/{incident}");
        await Assertions.Expect(operatorPage.Locator("#video-access")).ToBeVisibleAsync();
        await Assertions.Expect(operatorPage.Locator("#grants tbody tr", new() { HasText = "Gate camera" })).ToContainTextAsync("this incident");
        await operatorPage.SelectOptionAsync("#g-camera", tower);
        await operatorPage.SelectOptionAsync("#g-agency", "fire");
        await operatorPage.SelectOptionAsync("#g-purpose", "facilitySafety");
        await operatorPage.FillAsync("#g-reason", "ammonia plume drifting north: watch the tower's view of the road");
        await operatorPage.ClickAsync("#grant-form button[type=submit]");
        var granted = operatorPage.Locator("#grants tbody tr", new() { HasText = "Police tower camera" });
        await Assertions.Expect(granted).ToContainTextAsync("operator", new() { Timeout = 5 * Seconds });
        await Assertions.Expect(granted).ToContainTextAsync("facility safety");
        foreach (var (width, height) in new[] { (1920, 1080), (1366, 768) })
        {
            await operatorPage.SetViewportSizeAsync(width, height);
            await operatorPage.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, $"incident-video-access-{width}x{height}.png"), FullPage = true });
        }

        // The dispatcher's page, opened again, shows the tower camera live.
        await fire.ReloadAsync();
        await Assertions.Expect(towerRow.Locator("img.live")).ToBeVisibleAsync(new() { Timeout = 5 * Seconds });
        Assert.True(await towerRow.Locator("img.live").EvaluateAsync<int>("img => img.naturalWidth") > 0);

        // The admin's audit trail: the operator's grant and the dispatcher's views, newest first.
        var admin = await browser.SignInAsync(platform.BaseAddress, PlatformApi.Admin, "/admin");
        var audit = admin.Locator("#audit tbody tr");
        await Assertions.Expect(audit.Filter(new() { HasText = "granted" }).Filter(new() { HasText = tower })).ToContainTextAsync("operator");
        await Assertions.Expect(audit.Filter(new() { HasText = "viewed" }).Filter(new() { HasText = tower }).Filter(new() { HasText = "facility safety" })).ToContainTextAsync("fire");
        await Assertions.Expect(audit.Filter(new() { HasText = "viewed" }).Filter(new() { HasText = gate }).Filter(new() { HasText = $"grant for incident {incident}" })).ToContainTextAsync("fire");
        await Assertions.Expect(admin.Locator("#audit-broken")).ToBeHiddenAsync();
        foreach (var (width, height) in new[] { (1920, 1080), (1366, 768) })
        {
            await admin.SetViewportSizeAsync(width, height);
            await admin.Locator("#audit").ScrollIntoViewIfNeededAsync();
            await admin.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, $"admin-audit-{width}x{height}.png") });
        }
    }

    private static object Camera(string id, string name, double latitude, double longitude, string? owner, string[] purposes, string district) => new
    {
        id,
        kind = "camera",
        name,
        location = new { latitude, longitude },
        district,
        zone = "complex-gate",
        camera = new { streamUrl = "rtsp://10.20.0.5:8554/" + id, bearingDegrees = 90, fieldOfViewDegrees = 60, rangeMeters = 100, owner, purposes },
    };
}
