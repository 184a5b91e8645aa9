using System.Net;
using System.Security.Cryptography;
using Azure.Storage.Blobs;
using CityControl.Testing;
using CityControl.Tests.Browser;
using CityControl.Tests.Infrastructure;
using Microsoft.Playwright;

namespace CityControl.Tests.Integration;

/// <summary>
/// The whole video path on the platform with Azurite: a camera whose stream is the real highway clip (looped), its
/// hard-shoulder zone set over the API, the cyclist flagged, the incident opened for police with snapshot and clip
/// in blob storage, shown on the incident page beside the camera's live view; altered evidence is refused.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class VideoIncidentTests(AzuriteFixture azurite, BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task The_cyclist_on_the_hard_shoulder_becomes_a_police_incident_with_verified_evidence_and_a_live_view()
    {
        var settings = PlatformSettings.Azure(azurite.ConnectionString);
        settings["CityControl:CameraSources:FileFolders:0"] = RepoPaths.Data("video");
        var district = "Video-" + Guid.NewGuid().ToString("N")[..6];
        var camera = "cam-" + district.ToLowerInvariant();
        await using var platform = await InProcessPlatform.StartAsync(settings);

        // The camera's pipeline runs in a video worker of its own, as in every deployment; the front end relays its live view.
        await using var worker = await PlatformProcess.StartVideoWorkerAsync(settings, "video-test");
        var api = platform.Api;
        await api.OnboardAsync(new
        {
            id = camera,
            kind = "camera",
            name = "Motorway hard shoulder camera",
            location = new { latitude = 37.4412, longitude = 127.0012 }, // apart from the cameras other tests leave at the usual spot in the shared Azurite
            district,
            zone = "motorway",
            camera = new { streamUrl = new Uri(RepoPaths.Data("video", "bgslibrary_video02.avi")).AbsoluteUri, bearingDegrees = 20, fieldOfViewDegrees = 60, rangeMeters = 150 },
        });
        var zones = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Samples", "highway-hard-shoulder.json"), TestContext.Current.CancellationToken);
        using (var put = await api.SendAsync(HttpMethod.Put, $"/api/cameras/{camera}/analytics", PlatformApi.Admin, PlatformApi.Json(zones)))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var incident = await WaitForMedia(platform.BaseAddress, api, district, camera);
        var detail = await api.GetJsonAsync($"/api/incidents/{incident}", PlatformApi.Police);
        Assert.Equal("intrusion", detail["summary"]!["type"]!.GetValue<string>());
        Assert.Equal(["police"], detail["summary"]!["agencies"]!.AsArray().Select(a => a!.GetValue<string>()));
        // The worker's detector named what it saw, with its confidence: the incident and its summary (the wall) say so.
        var said = detail["alarms"]!.AsArray().Single()!["lastMessage"]!.GetValue<string>();
        Assert.Matches(@"^Person in restricted zone hard shoulder, confidence 0\.\d\d \(momentary\)$", said);
        Assert.Equal(said, detail["summary"]!["latestAlarm"]!.GetValue<string>());
        var media = detail["media"]!.AsArray();
        Assert.Equal(["snapshot", "clip"], media.Take(2).Select(m => m!["item"]!["kind"]!.GetValue<string>()));

        using var snapshot = await api.SendAsync(HttpMethod.Get, $"/api/incidents/{incident}/media/0", PlatformApi.Police);
        var bytes = await snapshot.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        var recorded = media[0]!["item"]!["sha256"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, snapshot.StatusCode);
        Assert.Equal("image/jpeg", snapshot.Content.Headers.ContentType!.MediaType);
        Assert.Equal(recorded, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        using var firePeeks = await api.SendAsync(HttpMethod.Get, $"/api/incidents/{incident}/media/0", ("fire", "fire-demo"));
        Assert.Equal(HttpStatusCode.Forbidden, firePeeks.StatusCode);

        var page = await browser.SignInAsync(platform.BaseAddress, PlatformApi.Police, $"/incidents/{incident}");
        var evidence = page.Locator("#media img").First;
        await Assertions.Expect(evidence).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("() => { const i = document.querySelector('#media img'); return i && i.complete && i.naturalWidth === 320; }");
        await Assertions.Expect(page.Locator("#media figcaption").First).ToContainTextAsync($"SHA-256 {recorded[..12]}");
        var live = page.Locator("#cameras tr", new() { HasText = "Motorway hard shoulder camera" }).Locator("img.live");
        // The page asks again every 5 s when a frame does not come (a worker busy with its detector may miss the
        // relay's timeout once): three tries.
        await Assertions.Expect(live).ToBeVisibleAsync(new() { Timeout = 16_000 });
        await page.WaitForFunctionAsync("() => { const i = document.querySelector('img.live'); return i && i.complete && i.naturalWidth === 320; }");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "incident-video.png"), FullPage = true });

        using var clip = await api.SendAsync(HttpMethod.Get, $"/api/incidents/{incident}/media/1", PlatformApi.Police);
        var clipBytes = await clip.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, clip.StatusCode);
        Assert.Equal("video/x-msvideo", clip.Content.Headers.ContentType!.MediaType);
        Assert.Equal(media[1]!["item"]!["sha256"]!.GetValue<string>(), Convert.ToHexStringLower(SHA256.HashData(clipBytes)));

        // Someone with access to the storage account alters the snapshot and the clip: the platform no longer serves
        // either as evidence.
        var container = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("evidence");
        foreach (var (index, original) in new[] { (0, bytes), (1, clipBytes) })
        {
            var uri = media[index]!["item"]!["uri"]!.GetValue<string>();
            var name = Uri.UnescapeDataString(uri[(container.Uri.ToString().TrimEnd('/').Length + 1)..]);
            var changed = original.ToArray();
            changed[^20] ^= 0xFF;
            await container.GetBlobClient(name).UploadAsync(BinaryData.FromBytes(changed), overwrite: true, TestContext.Current.CancellationToken);
            using var altered = await api.SendAsync(HttpMethod.Get, $"/api/incidents/{incident}/media/{index}", PlatformApi.Police);
            Assert.Equal(HttpStatusCode.Conflict, altered.StatusCode);
            Assert.Equal("does not match the evidence as stored", (await PlatformApi.BodyAsync(altered))["errors"]!["sha256"]![0]!.GetValue<string>());
        }
    }

    /// <summary>
    /// The district's incident once it holds two evidence items, re-read at each change the live channel brings. The
    /// pipeline analyses the newest frame five times a second, so each 30 s pass of the looped clip is sampled at other
    /// moments: up to three minutes (six passes), and on failure what the camera's pipeline had done by then.
    /// </summary>
    private static async Task<string> WaitForMedia(Uri platform, PlatformApi api, string district, string camera)
    {
        await using var live = await LiveClient.ConnectAsync(platform, api, PlatformApi.Operator);
        var within = TimeSpan.FromMinutes(3);
        try
        {
            var incident = await live.WaitForIncident(i => i.District == district, within);
            var seen = 0;
            while ((await api.GetJsonAsync($"/api/incidents/{incident.Id}"))["media"]!.AsArray().Count < 2)
            {
                (_, var index) = await live.WaitForIncidentChange(i => i.Id == incident.Id, seen, within);
                seen = index + 1;
            }

            return incident.Id;
        }
        catch (OperationCanceledException)
        {
            var pipelines = (await api.GetJsonAsync("/api/video/pipelines", PlatformApi.Admin)).ToJsonString();
            var events = (await api.GetJsonAsync($"/api/cameras/{camera}/video-events", PlatformApi.Operator)).ToJsonString();
            throw new TimeoutException($"no incident with its evidence within {within}; pipelines: {pipelines}; video events: {events}");
        }
    }
}
