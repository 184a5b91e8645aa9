using CityControl.Testing;
using CityControl.Tests.Infrastructure;
using Microsoft.Playwright;

namespace CityControl.Tests.Browser;

/// <summary>The header every page shares, drawn by one module, on a control-room wall and on a laptop.</summary>
[Collection(MemoryPlatformCollection.Name)]
public sealed class LayoutBrowserTests(MemoryPlatformFixture fixture, BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    public static TheoryData<int, int> Sizes => new() { { 1920, 1080 }, { 1366, 768 } };

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task Every_page_has_the_same_header_with_its_title_navigation_and_who_is_signed_in(int width, int height)
    {
        var district = MemoryPlatformFixture.NewId("Layout");
        await fixture.Api.LeakAsync(district);
        var incident = await fixture.Api.WaitForIncidentAsync(district);
        (string Path, string Title, (string, string) User)[] pages =
        [
            ("/", "Incident queue", PlatformApi.Operator),
            ("/map", "City map", PlatformApi.Operator),
            ("/wall", "Video wall", PlatformApi.Operator),
            ("/traffic", "Traffic signals", PlatformApi.Operator),
            ("/dispatch", "Dispatch console", PlatformApi.Operator),
            ("/admin", "Devices", PlatformApi.Admin),
            ("/history", "Incident history", PlatformApi.Operator),
            ($"/incidents/{incident}", "Chemical leak", PlatformApi.Operator),
            ($"/incidents/{incident}/replay", "After-action replay", PlatformApi.Operator),
        ];

        foreach (var (path, title, user) in pages)
        {
            var page = await browser.SignInAsync(fixture.Platform.BaseAddress, user, path);
            await page.SetViewportSizeAsync(width, height);
            var header = page.Locator("header#top");

            await Assertions.Expect(header.Locator("h1")).ToContainTextAsync(title);
            await Assertions.Expect(header.Locator("nav a")).ToHaveCountAsync(7);
            await Assertions.Expect(header.Locator("nav a[aria-current=page]")).ToHaveCountAsync(path.StartsWith("/incidents/", StringComparison.Ordinal) ? 0 : 1);
            await Assertions.Expect(header.Locator("#language")).ToBeVisibleAsync();
            await Assertions.Expect(header.Locator("#who")).ToContainTextAsync($"({(user == PlatformApi.Admin ? "Admin" : "Operator")})");
            await Assertions.Expect(header.Locator("form[action='/logout'] button")).ToHaveTextAsync("Sign out");
            // Laid out for the screen, never wider: nothing to scroll sideways at either size.
            var (scrollWidth, innerWidth) = (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth"), await page.EvaluateAsync<int>("() => window.innerWidth"));
            Assert.True(scrollWidth <= innerWidth, $"{path} is {scrollWidth} px wide at {width}x{height}");
            var name = path == "/" ? "queue" : path.EndsWith("/replay", StringComparison.Ordinal) ? "replay" : path.Split('/')[1];
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, $"layout-{name}-{width}x{height}.png") });

            // The same page in Korean: its own title, Korean navigation, and still nothing to scroll sideways.
            await page.SelectOptionAsync("#language", "ko");
            await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "ko");
            await Assertions.Expect(header.Locator("nav a[href='/map']")).ToHaveTextAsync("지도");
            await Assertions.Expect(header.Locator("h1")).Not.ToContainTextAsync(title);
            var koreanWidth = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
            Assert.True(koreanWidth <= innerWidth, $"{path} in Korean is {koreanWidth} px wide at {width}x{height}");
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, $"layout-{name}-{width}x{height}-ko.png") });
            await page.Context.CloseAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task An_admin_opens_the_Orleans_dashboard_from_the_admin_page_and_sees_the_silo(int width, int height)
    {
        var page = await browser.SignInAsync(fixture.Platform.BaseAddress, PlatformApi.Admin, "/admin");
        await page.SetViewportSizeAsync(width, height);
        var link = page.Locator("a[href='/admin/orleans/']");
        await Assertions.Expect(link).ToHaveTextAsync("Open the Orleans dashboard");

        var dashboard = await page.RunAndWaitForPopupAsync(() => link.ClickAsync());
        await dashboard.SetViewportSizeAsync(width, height);
        var silos = dashboard.GetByText(new System.Text.RegularExpressions.Regex("^Active Silos$", System.Text.RegularExpressions.RegexOptions.IgnoreCase));
        await Assertions.Expect(silos).ToBeVisibleAsync();
        await Assertions.Expect(silos.Locator("xpath=..")).ToContainTextAsync("1");
        await dashboard.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, $"orleans-dashboard-{width}x{height}.png") });

        // Its grains page lists the platform's grains (the sign-in session of this admin is one).
        await dashboard.GetByRole(AriaRole.Link, new() { Name = "Grains", Exact = true }).ClickAsync();
        await Assertions.Expect(dashboard.GetByText("SignInSessionGrain", new() { Exact = false }).First).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await page.Context.CloseAsync();
    }
}
