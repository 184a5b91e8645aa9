using System.Net;
using System.Net.Sockets;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;

namespace CityControl.Tests.Api;

/// <summary>
/// Camera stream addresses cannot make the server fetch what only the server can reach: loopback, link-local and
/// cloud metadata addresses, in any spelling, and files outside the configured video folders.
/// </summary>
[Collection(MemoryPlatformCollection.Name)]
public sealed class CameraSourceTests(MemoryPlatformFixture fixture)
{
    public static TheoryData<string, string> Refused() => new()
    {
        { "http://127.0.0.1:{port}/camera.mjpg", "loopback" },
        { "http://127.1:{port}/camera.mjpg", "loopback" },
        { "http://2130706433:{port}/camera.mjpg", "loopback" },
        { "http://0x7f000001:{port}/camera.mjpg", "loopback" },
        { "rtsp://[::1]:{port}/stream", "loopback" },
        { "http://[::ffff:127.0.0.1]:{port}/camera.mjpg", "loopback" },
        { "http://localhost:{port}/camera.mjpg", "a loopback name" },
        { "rtsp://LOCALHOST.:{port}/stream", "a loopback name" },
        { "http://169.254.169.254/latest/meta-data/", "link-local, where cloud metadata services answer" },
        { "http://[fe80::1%25eth0]/", "link-local" },
        { "http://100.100.100.200/latest/meta-data/", "a cloud metadata service" },
        { "rtsp://0.0.0.0:{port}/stream", "unspecified" },
        { "file:///etc/passwd", "must not be a file: no folder of video files is configured" },
        { "udp://10.20.0.5:5000", "must be an absolute rtsp, rtsps, http, https or file URL" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_camera_pointed_at_what_only_the_server_can_reach_is_refused_naming_the_stream_url_and_nothing_is_contacted(string template, string reason)
    {
        using var listener = new TcpListener(IPAddress.IPv6Any, 0) { Server = { DualMode = true } };
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var address = template.Replace("{port}", port.ToString(), StringComparison.Ordinal).Replace("{shared}", RepoPaths.Data("video").TrimStart('/'), StringComparison.Ordinal);
        var id = MemoryPlatformFixture.NewId("cam");

        using var onboard = await fixture.Api.PostJsonAsync("/api/devices", Camera(id, address), PlatformApi.Admin);
        var problem = await PlatformApi.BodyAsync(onboard);

        Assert.Equal(HttpStatusCode.BadRequest, onboard.StatusCode);
        Assert.Contains(reason, problem["errors"]!["camera.streamUrl"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Api.SendAsync(HttpMethod.Get, $"/api/devices/{id}", PlatformApi.Admin)).StatusCode);
        Assert.False(listener.Pending(), "something connected to the loopback listener");
    }

    [Fact]
    public async Task A_camera_on_the_camera_network_is_taken_and_cannot_be_moved_to_loopback_later()
    {
        var id = MemoryPlatformFixture.NewId("cam");
        using var onboard = await fixture.Api.PostJsonAsync("/api/devices", Camera(id, "rtsp://10.20.0.5:554/stream1"), PlatformApi.Admin);
        Assert.Equal(HttpStatusCode.Created, onboard.StatusCode);

        using var patch = await fixture.Api.SendAsync(HttpMethod.Patch, $"/api/devices/{id}", PlatformApi.Admin,
            PlatformApi.Json(new { camera = new { streamUrl = "http://127.0.0.1:2375/containers/json", bearingDegrees = 90, fieldOfViewDegrees = 60, rangeMeters = 100 } }));
        var problem = await PlatformApi.BodyAsync(patch);
        var device = await fixture.Api.GetJsonAsync($"/api/devices/{id}", PlatformApi.Admin);

        Assert.Equal(HttpStatusCode.BadRequest, patch.StatusCode);
        Assert.Contains("loopback", problem["errors"]!["camera.streamUrl"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("rtsp://10.20.0.5:554/stream1", device["camera"]!["streamUrl"]!.GetValue<string>());
    }

    [Fact]
    public async Task Files_play_only_from_below_the_configured_video_folders()
    {
        var settings = PlatformSettings.Memory();
        settings["CityControl:CameraSources:FileFolders:0"] = RepoPaths.Data("video");
        await using var platform = await InProcessPlatform.StartAsync(settings);
        var inside = new Uri(RepoPaths.Data("video", "intel_car-detection.mp4")).AbsoluteUri;
        var outside = new Dictionary<string, string>
        {
            ["file:///etc/passwd"] = "below one of the configured video folders",
            [new Uri(RepoPaths.Data("video")).AbsoluteUri + "/../../../../etc/hostname"] = "below one of the configured video folders",
            [new Uri(RepoPaths.Data("video")).AbsoluteUri + "-other/clip.mp4"] = "below one of the configured video folders",
            ["file://fileserver/share/clip.mp4"] = "must not name a file on another host",
        };

        using var accepted = await platform.Api.PostJsonAsync("/api/devices", Camera(MemoryPlatformFixture.NewId("cam"), inside), PlatformApi.Admin);
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        foreach (var (address, reason) in outside)
        {
            using var refused = await platform.Api.PostJsonAsync("/api/devices", Camera(MemoryPlatformFixture.NewId("cam"), address), PlatformApi.Admin);
            var problem = await PlatformApi.BodyAsync(refused);
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"{address}: {(int)refused.StatusCode}");
            Assert.Contains(reason, problem["errors"]!["camera.streamUrl"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }

    private static object Camera(string id, string streamUrl) => new
    {
        id,
        kind = "camera",
        name = "Gate camera",
        location = new { latitude = 37.51, longitude = 126.90 },
        district = "Sources",
        zone = "gate",
        camera = new { streamUrl, bearingDegrees = 90, fieldOfViewDegrees = 60, rangeMeters = 100 },
    };
}
