using System.Diagnostics;
using System.Text.RegularExpressions;
using CityControl.Devices;
using CityControl.Video.Evidence;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;
using CityControl.Video;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CityControl.Tests.Browser;

/// <summary>Camera evidence on the incident page, as stored in blob storage (Azurite) and checked against its hash.</summary>
public sealed class EvidenceBrowserTests(BrowserFixture browser, AzuriteFixture azurite) : IClassFixture<BrowserFixture>, IClassFixture<AzuriteFixture>
{
    /// <summary>
    /// An intrusion whose evidence is a 2-second Motion-JPEG clip of a public CCTV recording (60 frames): the operator
    /// plays it in the page, it keeps playing through another console's note, and it can be paused and stepped.
    /// </summary>
    [Fact]
    public async Task An_evidence_clip_plays_in_the_incident_page_and_survives_a_live_update()
    {
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Azure(azurite.ConnectionString));
        var district = MemoryPlatformFixture.NewId("Clip");
        var gate = "cam-gate-" + district;
        await platform.Api.OnboardAsync(TestDevices.Camera(gate, district, 37.4852, 126.8991, bearing: 180, fieldOfView: 60, range: 80, streamUrl: "rtsp://10.20.0.5:8554/" + gate));
        var clip = await MjpegClip(RepoPaths.Data("video", "bgslibrary_video.avi"), seconds: 2);
        var store = platform.Services.GetRequiredService<BlobEvidenceStore>();
        var item = await store.StoreAsync($"{gate}/{Guid.NewGuid():N}.avi", "clip", "video/x-msvideo", clip, TestContext.Current.CancellationToken);
        await platform.Services.GetRequiredService<IGrainFactory>().GetGrain<ICameraGrain>(gate).ReportVideoEvent(
            new VideoEvent(VideoEventType.Intrusion, 1.2, "gate", 7, [10, 10, 20, 40], 0.8, ObjectClass: ObjectClass.Person, At: DateTimeOffset.UtcNow, Evidence: [item]));
        var id = await Poll.Until(
            async () => (await platform.Api.GetJsonAsync($"/api/incidents?district={district}"))["items"]!.AsArray().FirstOrDefault()?["id"]?.GetValue<string>(),
            found => found is not null);

        var page = await browser.SignInAsync(platform.BaseAddress, PlatformApi.Operator, $"/incidents/{id}");
        await page.SetViewportSizeAsync(1366, 768);
        await page.Locator(".clip-play").ClickAsync();
        var where = page.Locator(".clip-where");
        await Assertions.Expect(where).ToContainTextAsync("/ 60");
        await Assertions.Expect(where).Not.ToContainTextAsync("frame 1 /", new() { Timeout = 2_000 });
        // A frame of the clip is shown at its own size (read once a frame has decoded: the picture changes 30 times a second).
        await page.WaitForFunctionAsync("() => document.querySelector('img.clip-frame')?.naturalWidth === 320", null, new() { Timeout = 5_000 });

        // Another console's note updates the page live; the clip goes on playing.
        using (var note = await platform.Api.SendAsync(HttpMethod.Post, $"/api/incidents/{id}/actions/note", PlatformApi.Operator, PlatformApi.Json(new { text = "gate guard called" })))
        {
            Assert.True(note.IsSuccessStatusCode);
        }

        await Assertions.Expect(page.Locator("#timeline li").Last).ToContainTextAsync("gate guard called");
        await Assertions.Expect(page.Locator(".clip-player")).ToHaveCountAsync(1);
        var before = await where.TextContentAsync();
        await Assertions.Expect(where).Not.ToHaveTextAsync(before!, new() { Timeout = 2_000 });

        await page.Locator(".clip-toggle").ClickAsync();
        await page.Locator(".clip-position").FillAsync("59");
        await Assertions.Expect(where).ToHaveTextAsync(new Regex("frame 60 / 60$"));
        await Assertions.Expect(page.Locator("#media a", new() { HasText = "download" })).ToHaveAttributeAsync("href", $"/api/incidents/{id}/media/0");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "no horizontal scroll at 1366x768 (hashes wrap)");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "incident-clip-1366x768.png"), FullPage = true });
    }

    /// <summary>A Motion-JPEG AVI of the first seconds of a recording, 320 px wide, made by Debian's ffmpeg.</summary>
    private static async Task<byte[]> MjpegClip(string source, int seconds)
    {
        var target = Path.Combine(Path.GetTempPath(), $"clip-{Guid.NewGuid():N}.avi");
        using var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg", ["-loglevel", "error", "-y", "-i", source, "-t", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-vf", "scale=320:-2", "-c:v", "mjpeg", "-q:v", "6", "-an", target]) { RedirectStandardError = true })!;
        await ffmpeg.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, ffmpeg.ExitCode);
        try
        {
            return await File.ReadAllBytesAsync(target, TestContext.Current.CancellationToken);
        }
        finally
        {
            File.Delete(target);
        }
    }
}
