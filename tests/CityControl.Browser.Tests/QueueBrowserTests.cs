using System.Text.RegularExpressions;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;
using Microsoft.Playwright;

namespace CityControl.Tests.Browser;

/// <summary>The alarm and incident queue in a real browser against the real app on a loopback port.</summary>
[Collection(MemoryPlatformCollection.Name)]
public sealed partial class QueueBrowserTests(MemoryPlatformFixture fixture, BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const float Seconds = 1000;

    [Fact]
    public async Task A_new_leak_appears_at_the_top_of_the_queue_live_and_an_acknowledgement_shows_in_a_second_window()
    {
        // A platform of its own, so that "the top of the queue" means this incident and no other test's.
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory());
        var first = await SignIn(PlatformApi.Operator, platform.BaseAddress);
        var second = await SignIn(PlatformApi.Operator, platform.BaseAddress);
        var district = MemoryPlatformFixture.NewId("Browser");

        await platform.Api.LeakAsync(district);

        var top = first.Locator("#queue tbody tr").First;
        await Live.Arrives("the new leak at the top of the queue", TimeSpan.FromSeconds(3), t => Assertions.Expect(top.Locator(".title")).ToContainTextAsync(district, new() { Timeout = t }));
        await Assertions.Expect(top.Locator(".priority")).ToHaveTextAsync("P1");
        await first.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "queue.png"), FullPage = true });

        await top.ClickAsync();
        await first.Keyboard.PressAsync("a");

        var same = second.Locator("#queue tbody tr", new() { HasText = district });
        await Live.Arrives("the acknowledgement in the second window", TimeSpan.FromSeconds(3), t => Assertions.Expect(same.Locator(".status")).ToHaveTextAsync("acknowledged", new() { Timeout = t }));
        await Assertions.Expect(top.Locator(".ack")).ToBeDisabledAsync();
        // And looks it: faded beside the enabled shelve button of the same row.
        await Assertions.Expect(top.Locator(".ack")).ToHaveCSSAsync("opacity", "0.4");
        await Assertions.Expect(top.Locator(".shelve")).ToHaveCSSAsync("opacity", "1");
    }

    [Fact]
    public async Task A_new_incident_and_its_escalation_announce_themselves_with_a_sound_a_banner_and_the_tab_title_and_a_muted_console_stays_silent()
    {
        var page = await SignIn(PlatformApi.Operator);
        // A spy on the page's audio: which priority's sound was played, and that it is a sound (a WAV the page made).
        await page.EvaluateAsync("""
            () => {
              window.played = [];
              HTMLMediaElement.prototype.play = function () { window.played.push({ priority: this.dataset.priority, src: this.src }); return Promise.resolve(); };
            }
            """);
        var district = MemoryPlatformFixture.NewId("Announce");

        await fixture.Api.LeakAsync(district);

        var banner = page.Locator("#announcement");
        await Live.Arrives("the banner of the new leak", TimeSpan.FromSeconds(3), t => Assertions.Expect(banner).ToContainTextAsync(district, new() { Timeout = t }));
        // The leak opens at P2 and is raised to P1 when a second detector confirms it: each is announced.
        await Assertions.Expect(banner).ToHaveClassAsync(new Regex("P1"));
        await Assertions.Expect(banner).ToContainTextAsync("Priority raised: P1");
        await page.WaitForFunctionAsync("() => window.played.some(p => p.priority === 'P1')");
        var sound = await page.EvaluateAsync<int>("async () => (await (await fetch(window.played.at(-1).src)).arrayBuffer()).byteLength");
        Assert.True(sound > 44 + 3 * 2 * 16000 * 0.16, $"the P1 sound is {sound} bytes: not three beeps of 160 ms");
        await page.WaitForFunctionAsync("() => document.title.startsWith('●') && document.title.includes('P1')");
        await page.SetViewportSizeAsync(1920, 1080);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "queue-announcement-1920.png") });
        await page.SetViewportSizeAsync(1366, 768);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "queue-announcement-1366.png") });

        // Muted: the next new incident is shown, not heard.
        await page.ClickAsync("#mute");
        await Assertions.Expect(page.Locator("#mute")).ToHaveAttributeAsync("aria-pressed", "true");
        var before = await page.EvaluateAsync<int>("() => window.played.length");
        var second = MemoryPlatformFixture.NewId("Silent");
        await fixture.Api.LeakAsync(second);
        await Live.Arrives("the banner of the second leak", TimeSpan.FromSeconds(3), t => Assertions.Expect(banner).ToContainTextAsync(second, new() { Timeout = t }));
        Assert.Equal(before, await page.EvaluateAsync<int>("() => window.played.length"));

        // The banner goes when dismissed, and so does the flashing title.
        await banner.Locator(".close").ClickAsync();
        await Assertions.Expect(banner).ToBeHiddenAsync();
        await page.WaitForFunctionAsync("() => !document.title.startsWith('●')");
        await page.ClickAsync("#mute");
    }

    [Fact]
    public async Task An_incident_nobody_takes_rises_in_the_queue_row_on_its_own()
    {
        // A platform whose escalation step is seconds, so that its reminder fires during the test.
        var settings = PlatformSettings.Memory();
        settings["CityControl:Incidents:EscalationStep"] = "00:00:03";
        await using var platform = await InProcessPlatform.StartAsync(settings);
        var page = await SignIn(PlatformApi.Operator, platform.BaseAddress);
        var district = MemoryPlatformFixture.NewId("Rise");
        var gas = MemoryPlatformFixture.NewId("gas");
        var credential = await platform.Api.OnboardAsync(TestDevices.Gas(gas, district));

        // One sensor above Low only: a P2 leak, not confirmed.
        using (var low = await platform.Api.PostTelemetryAsync(credential, new { readings = new[] { TestDevices.Reading(gas, DateTimeOffset.UtcNow, "concentration", 30, "ppm") } }))
        {
            Assert.Equal(System.Net.HttpStatusCode.Accepted, low.StatusCode);
        }

        var row = page.Locator("#queue tbody tr", new() { HasText = district });
        await Live.Arrives("the P2 leak in the queue", TimeSpan.FromSeconds(3), t => Assertions.Expect(row.Locator(".priority")).ToHaveTextAsync("P2", new() { Timeout = t }));
        await Live.Arrives("the escalation to P1 in the same row", TimeSpan.FromSeconds(10), t => Assertions.Expect(row.Locator(".priority")).ToHaveTextAsync("P1", new() { Timeout = t }));
        await Assertions.Expect(row).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task A_new_leak_appears_on_the_map_over_its_district_outline_without_a_reload()
    {
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory());
        var district = MemoryPlatformFixture.NewId("Map");
        await platform.Api.OnboardAsync(TestDevices.Gas(MemoryPlatformFixture.NewId("gas"), district));
        var page = await SignIn(PlatformApi.Operator, platform.BaseAddress);
        await page.GotoAsync("/map");
        await Assertions.Expect(page.Locator("#connection")).ToHaveTextAsync("live", new() { Timeout = 10 * Seconds });
        await Assertions.Expect(page.Locator(".district-label", new() { HasText = district })).ToBeVisibleAsync();

        await platform.Api.LeakAsync(district);

        var marker = page.Locator($".incident-marker[title*='{district}']");
        await Live.Arrives("the leak's marker on the map", TimeSpan.FromSeconds(3), t => Assertions.Expect(marker).ToBeVisibleAsync(new() { Timeout = t }));
        await Assertions.Expect(marker.Locator(".priority")).ToHaveTextAsync("P1");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "map.png") });

        await page.UncheckAsync("[data-layer=safety]");
        await Assertions.Expect(marker).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_browser_cut_off_for_longer_than_signalRs_retries_says_so_restarts_by_itself_and_catches_up()
    {
        await using var proxy = new CuttableProxy(fixture.Platform.BaseAddress);
        var page = await SignIn(PlatformApi.Operator, proxy.Address);
        var district = MemoryPlatformFixture.NewId("Cut");

        proxy.Cut();
        await fixture.Api.LeakAsync(district);
        await fixture.Api.WaitForIncidentAsync(district);

        // SignalR's own retries end (about 8 s) and the page says it keeps trying; the outage goes on a little longer.
        await Assertions.Expect(page.Locator("#connection")).ToHaveTextAsync("disconnected, retrying", new() { Timeout = Live.Patience });
        await Task.Delay(TimeSpan.FromSeconds(4), TestContext.Current.CancellationToken);
        await Assertions.Expect(page.Locator("#connection")).ToHaveTextAsync("disconnected, retrying");
        proxy.Restore();

        // The page restarts every 3 s while cut off: back within two attempts, with what happened meanwhile.
        await Live.Arrives("the live badge after the outage", TimeSpan.FromSeconds(8), t => Assertions.Expect(page.Locator("#connection")).ToHaveTextAsync("live", new() { Timeout = t }));
        await Assertions.Expect(page.Locator("#queue tbody tr", new() { HasText = district })).ToHaveCountAsync(1);
    }

    /// <summary>
    /// A network that goes quiet without closing anything (a pulled cable): the badge stops saying "live" within 10 s
    /// (it used to for about 29 s), and comes back by itself once the network does.
    /// </summary>
    [Fact]
    public async Task A_network_that_goes_quiet_stops_the_live_badge_within_10_s_and_it_comes_back_by_itself()
    {
        await using var proxy = new CuttableProxy(fixture.Platform.BaseAddress);
        var page = await SignIn(PlatformApi.Operator, proxy.Address);
        await Assertions.Expect(page.Locator("#connection")).ToHaveTextAsync("live");

        proxy.Stall();
        var stalledAt = DateTimeOffset.UtcNow;
        await Assertions.Expect(page.Locator("#connection")).Not.ToHaveTextAsync("live", new() { Timeout = 10 * Seconds });
        var noticed = DateTimeOffset.UtcNow - stalledAt;

        proxy.Restore();
        await Live.Arrives("the live badge after the network is back", TimeSpan.FromSeconds(15), t => Assertions.Expect(page.Locator("#connection")).ToHaveTextAsync("live", new() { Timeout = t }));
        Assert.True(noticed < TimeSpan.FromSeconds(10), $"noticed after {noticed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task The_incident_page_shows_procedure_alarms_nearest_cameras_and_timeline_and_ticks_a_step()
    {
        var district = MemoryPlatformFixture.NewId("Detail");
        await fixture.Api.OnboardAsync(new
        {
            id = MemoryPlatformFixture.NewId("cam"), kind = "camera", name = "Plant gate camera",
            location = new { latitude = 37.4860, longitude = 126.8990 }, district, zone = "plant-1",
            camera = new { bearingDegrees = 180, fieldOfViewDegrees = 70, rangeMeters = 150 },
        });
        await fixture.Api.LeakAsync(district);
        var id = await fixture.Api.WaitForIncidentAsync(district);
        var page = await SignIn(PlatformApi.Operator);

        await page.GotoAsync($"/incidents/{id}");

        await Assertions.Expect(page.Locator("#priority")).ToHaveTextAsync("P1");
        await Assertions.Expect(page.Locator("#alarms tbody tr")).ToHaveCountAsync(2);
        var camera = page.Locator("#cameras tbody tr", new() { HasText = "Plant gate camera" });
        await Assertions.Expect(camera).ToContainTextAsync("100 m");
        await Assertions.Expect(camera).ToContainTextAsync("0°");
        await page.Locator("#procedure li").First.Locator("button").ClickAsync();
        await Assertions.Expect(page.Locator("#procedure li").First).ToContainTextAsync("(done by operator)");
        await Assertions.Expect(page.Locator("#timeline li").Last).ToContainTextAsync("procedure step done");
        await Assertions.Expect(page.Locator("#cap")).ToHaveAttributeAsync("href", $"/api/incidents/{id}/cap");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "incident.png"), FullPage = true });
    }

    [Fact]
    public async Task A_police_dispatcher_does_not_see_the_fire_incident_that_the_operator_sees()
    {
        var operatorPage = await SignIn(PlatformApi.Operator);
        var policePage = await SignIn(PlatformApi.Police);
        var district = MemoryPlatformFixture.NewId("Browser");

        await fixture.Api.LeakAsync(district);

        await Live.Arrives("the leak in the operator's queue", TimeSpan.FromSeconds(3), t => Assertions.Expect(operatorPage.Locator("#queue tbody tr", new() { HasText = district })).ToHaveCountAsync(1, new() { Timeout = t }));
        // A police incident raised after the leak reaches the police queue: anything sent about the leak came before it.
        var sentinel = MemoryPlatformFixture.NewId("Sentinel");
        await fixture.Platform.RaiseIntrusionAsync(sentinel);
        await Assertions.Expect(policePage.Locator("#queue tbody tr", new() { HasText = sentinel })).ToHaveCountAsync(1, new() { Timeout = 10 * Seconds });
        Assert.Equal(0, await policePage.Locator("#queue tbody tr", new() { HasText = district }).CountAsync());
    }

    [Fact]
    public async Task A_visitor_who_is_not_signed_in_is_sent_to_sign_in_and_a_wrong_password_is_told()
    {
        var context = await browser.Browser.NewContextAsync(new() { BaseURL = fixture.Platform.BaseAddress.ToString() });
        var page = await context.NewPageAsync();

        await page.GotoAsync("/");
        await Assertions.Expect(page).ToHaveURLAsync(LoginUrl());
        await page.FillAsync("#username", "operator");
        await page.FillAsync("#password", "wrong");
        await page.ClickAsync("button[type=submit]");

        await Assertions.Expect(page.Locator("#error")).ToBeVisibleAsync();
        await Assertions.Expect(page).ToHaveURLAsync(LoginUrl());
    }

    [Theory]
    [MemberData(nameof(LayoutBrowserTests.Sizes), MemberType = typeof(LayoutBrowserTests))]
    public async Task After_too_many_wrong_passwords_the_sign_in_page_says_to_wait_and_lets_nobody_in_meanwhile(int width, int height)
    {
        var settings = PlatformSettings.Memory();
        settings["CityControl:SignIn:FreeFailures"] = "2";
        settings["CityControl:SignIn:FirstDelay"] = "00:01:00";
        await using var platform = await InProcessPlatform.StartAsync(settings);
        var context = await browser.Browser.NewContextAsync(new() { BaseURL = platform.BaseAddress.ToString(), ViewportSize = new() { Width = width, Height = height } });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/login");

        foreach (var password in new[] { "wrong-1", "wrong-2", PlatformApi.Operator.Password })
        {
            await page.FillAsync("#username", "operator");
            await page.FillAsync("#password", password);

            // Each answer is a new page (a redirect back to sign-in): wait for it before typing again.
            await page.RunAndWaitForResponseAsync(() => page.ClickAsync("button[type=submit]"), r => r.Request.Method == "GET" && r.Url.Contains("/login?", StringComparison.Ordinal));
            await page.WaitForLoadStateAsync(LoadState.DOMContentLoaded);
        }

        // The right password came during the wait: still on the sign-in page, told to wait, not signed in.
        await Assertions.Expect(page.Locator("#wait")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#error")).ToBeHiddenAsync();
        await Assertions.Expect(page).ToHaveURLAsync(LoginUrl());
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, $"login-wait-{width}x{height}.png") });
        await context.CloseAsync();
    }

    private Task<IPage> SignIn((string User, string Password) user, Uri? baseAddress = null) =>
        browser.SignInAsync(baseAddress ?? fixture.Platform.BaseAddress, user);

    [GeneratedRegex("/login")]
    private static partial Regex LoginUrl();
}
