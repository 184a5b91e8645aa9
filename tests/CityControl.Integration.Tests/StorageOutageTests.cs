using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using CityControl.Testing;
using CityControl.Tests.Browser;
using CityControl.Tests.Infrastructure;
using Microsoft.Playwright;

namespace CityControl.Tests.Integration;

/// <summary>
/// The storage account (a real Azurite process) stopped for 30 s under ingest load, then started again: ingest only
/// refuses, with 503 and Retry-After, never 500 or a hang; /healthz says degraded; a screen says it is stale; all of
/// it recovers on its own, and every acknowledged reading is kept.
/// </summary>
[Collection(AzuriteCollection.Name)] // one heavy platform at a time with the other Azurite tests
public sealed class StorageOutageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Azurite_stopped_for_30_s_under_load_gives_only_503s_with_Retry_After_stale_screens_and_recovers_with_nothing_acknowledged_lost()
    {
        await using var storage = await AzuriteServer.StartAsync();
        var settings = PlatformSettings.Azure(storage.ConnectionString);
        settings["CityControl:Devices:HistoryLength"] = "400";
        await using var platform = await InProcessPlatform.StartAsync(settings);
        var api = platform.Api;
        var district = "Outage-" + Guid.NewGuid().ToString("N")[..6];
        var devices = Enumerable.Range(0, 10).Select(i => $"gas-{district.ToLowerInvariant()}-{i}").ToList();
        foreach (var id in devices)
        {
            await api.OnboardAsync(TestDevices.Gas(id, district));
        }

        using var gateway = await api.PostJsonAsync("/api/gateways", new { id = "gw-" + district.ToLowerInvariant(), name = "Outage test gateway", districts = new[] { district } }, PlatformApi.Admin);
        var body = await PlatformApi.BodyAsync(gateway);
        var credential = (body["credential"]!["username"]!.GetValue<string>(), body["credential"]!["secret"]!.GetValue<string>());
        var page = await browser.SignInAsync(platform.BaseAddress, PlatformApi.Operator);
        var badge = page.Locator("#connection");
        await Assertions.Expect(badge).ToHaveTextAsync("live");

        var accepted = new ConcurrentBag<(string Device, DateTimeOffset At)>();
        var statuses = new ConcurrentDictionary<int, int>();
        var withoutRetryAfter = 0;
        var slowest = TimeSpan.Zero;
        var lastRefused = TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        using var stopLoad = new CancellationTokenSource();
        var load = Task.Run(async () =>
        {
            var tick = 0;
            while (!stopLoad.IsCancellationRequested)
            {
                var now = DateTimeOffset.UtcNow;
                var readings = devices.Select(id => TestDevices.Reading(id, now, "concentration", 3 + tick % 4, "ppm")).ToArray();
                var started = Stopwatch.GetTimestamp();
                using var response = await api.PostTelemetryAsync(credential, new { readings });
                var took = Stopwatch.GetElapsedTime(started);
                slowest = took > slowest ? took : slowest;
                statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    devices.ForEach(id => accepted.Add((id, now)));
                }
                else
                {
                    lastRefused = clock.Elapsed;
                    if (response.Headers.RetryAfter is null)
                    {
                        Interlocked.Increment(ref withoutRetryAfter);
                    }
                }

                tick++;
                await Task.Delay(250);
            }
        });

        await Task.Delay(TimeSpan.FromSeconds(4));
        await storage.StopAsync();
        var stopped = clock.Elapsed;
        try
        {
            // While it is away: the screen says it is stale, /healthz says degraded (and still answers).
            await Assertions.Expect(badge).ToContainTextAsync("stale: storage unavailable", new() { Timeout = 15_000 });
            foreach (var (width, height) in new[] { (1920, 1080), (1366, 768) })
            {
                await page.SetViewportSizeAsync(width, height);
                await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, $"queue-storage-stale-{width}.png") });
            }

            // People can still sign in (the new session is held in memory and written when storage returns).
            using (var signIn = await api.Anonymous.PostAsync("/api/auth/token", PlatformApi.Json(new { username = "police", password = PlatformApi.Police.Password })))
            {
                Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
            }

            var health = await api.GetJsonAsync("/healthz");
            Assert.True(health["status"]!.GetValue<string>() == "Degraded", health.ToJsonString());
            Assert.Equal("Degraded", health["checks"]!["storage"]!["status"]!.GetValue<string>());
            while (clock.Elapsed < stopped + TimeSpan.FromSeconds(30))
            {
                await Task.Delay(200);
            }
        }
        catch
        {
            // The platform is stopped after this test: with its storage, so that it can.
            await stopLoad.CancelAsync();
            await storage.StartAgainAsync();
            throw;
        }

        await storage.StartAgainAsync();
        var restarted = clock.Elapsed;
        await Assertions.Expect(badge).ToHaveTextAsync("live", new() { Timeout = 30_000 });
        while (clock.Elapsed < restarted + TimeSpan.FromSeconds(20))
        {
            await Task.Delay(200);
        }

        await stopLoad.CancelAsync();
        await load;

        var counts = string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}"));
        Assert.True(statuses.Keys.All(s => s is 202 or 503), $"statuses {counts}");
        Assert.True(statuses.GetValueOrDefault(503) > 0, $"the outage refused nothing: {counts}");
        Assert.Equal(0, withoutRetryAfter);
        Assert.True(slowest < TimeSpan.FromSeconds(15), $"a request took {slowest}");
        Assert.True(lastRefused < restarted + TimeSpan.FromSeconds(15), $"ingest refused until {(lastRefused - restarted).TotalSeconds:0.0} s after storage returned ({counts})");
        Assert.Equal("Healthy", (await api.GetJsonAsync("/healthz"))["checks"]!["storage"]!["status"]!.GetValue<string>());

        // Every acknowledged reading is in its device's history.
        foreach (var group in accepted.GroupBy(a => a.Device))
        {
            var history = (await api.GetJsonAsync($"/api/devices/{group.Key}/readings?max=1000")).AsArray()
                .Select(r => DateTimeOffset.Parse(r!["timestamp"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
            var lost = group.Count(a => !history.Contains(a.At));
            Assert.True(lost == 0, $"{group.Key}: {lost} of {group.Count()} acknowledged readings missing");
        }

        var artifacts = Directory.CreateDirectory(Path.Combine(RepoPaths.Root, "artifacts")).FullName;
        await File.WriteAllTextAsync(Path.Combine(artifacts, "storage-outage.txt"),
            $"statuses: {counts}; slowest request {slowest.TotalMilliseconds:0} ms; refused until {(lastRefused - restarted).TotalSeconds:0.0} s after storage returned; {accepted.Count} acknowledged readings, all kept\n");
    }
}
