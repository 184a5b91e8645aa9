using System.Net;
using CityControl.Tests.Infrastructure;

namespace CityControl.Tests.Api;

/// <summary>Cameras' analytics settings, video events and live view over real HTTP.</summary>
[Collection(MemoryPlatformCollection.Name)]
public sealed class VideoApiTests(MemoryPlatformFixture fixture)
{
    private PlatformApi Api => fixture.Api;

    [Fact]
    public async Task An_admin_sets_a_cameras_zones_a_bad_zone_is_refused_naming_the_field_and_operators_may_only_read_them()
    {
        var district = MemoryPlatformFixture.NewId("zones");
        var id = "cam-" + district;
        await Api.OnboardAsync(TestDevices.Camera(id, district, 37.5270, 126.9310, bearing: 90, fieldOfView: 60, range: 100));
        var zones = new
        {
            zones = new[]
            {
                new { name = "hard shoulder", kind = "intrusion", polygon = new[] { new { x = 229, y = 240 }, new { x = 302, y = 40 }, new { x = 318, y = 40 }, new { x = 276, y = 240 } } },
            },
            motionMasks = new[] { new[] { new { x = 0, y = 0 }, new { x = 100, y = 0 }, new { x = 100, y = 40 } } },
            analysisFps = 5,
        };
        var twoPoints = new { zones = new[] { new { name = "gate", kind = "intrusion", polygon = new[] { new { x = 1, y = 1 }, new { x = 5, y = 5 } } } }, motionMasks = Array.Empty<object>() };

        using var refused = await Api.SendAsync(HttpMethod.Put, $"/api/cameras/{id}/analytics", PlatformApi.Admin, PlatformApi.Json(twoPoints));
        using var badKind = await Api.SendAsync(HttpMethod.Put, $"/api/cameras/{id}/analytics", PlatformApi.Admin, new StringContent("""{"zones":[{"name":"gate","kind":"teleport","polygon":[]}],"motionMasks":[]}""", System.Text.Encoding.UTF8, "application/json"));
        using var byOperator = await Api.SendAsync(HttpMethod.Put, $"/api/cameras/{id}/analytics", PlatformApi.Operator, PlatformApi.Json(zones));
        using var accepted = await Api.SendAsync(HttpMethod.Put, $"/api/cameras/{id}/analytics", PlatformApi.Admin, PlatformApi.Json(zones));
        var read = await Api.GetJsonAsync($"/api/cameras/{id}/analytics", PlatformApi.Operator);
        using var unknown = await Api.SendAsync(HttpMethod.Get, "/api/cameras/cam-nowhere/analytics", PlatformApi.Operator);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("zones[0].polygon: must have 3 to 64 points", (await PlatformApi.BodyAsync(refused))["errors"]!["zones[0].polygon"]![0]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, badKind.StatusCode);
        Assert.Contains("zones[0].kind", (await PlatformApi.BodyAsync(badKind))["errors"]!.AsObject().Select(e => e.Key));
        Assert.Equal(HttpStatusCode.Forbidden, byOperator.StatusCode);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("hard shoulder", read["zones"]![0]!["name"]!.GetValue<string>());
        Assert.Equal("intrusion", read["zones"]![0]!["kind"]!.GetValue<string>());
        Assert.Equal(4, read["zones"]![0]!["polygon"]!.AsArray().Count);
        Assert.Single(read["motionMasks"]!.AsArray());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_camera_without_a_stream_has_no_live_view_and_says_why()
    {
        var district = MemoryPlatformFixture.NewId("live");
        var id = "cam-" + district;
        await Api.OnboardAsync(TestDevices.Camera(id, district, 37.5270, 126.9310, bearing: 90, fieldOfView: 60, range: 100));

        using var live = await Api.SendAsync(HttpMethod.Get, $"/api/cameras/{id}/live.jpg", PlatformApi.Operator);
        var events = await Api.GetJsonAsync($"/api/cameras/{id}/video-events", PlatformApi.Operator);

        Assert.Equal(HttpStatusCode.NotFound, live.StatusCode);
        Assert.Equal($"Camera '{id}' has no running video pipeline (no stream address, or no video worker up).", (await PlatformApi.BodyAsync(live))["title"]!.GetValue<string>());
        Assert.Empty(events.AsArray());
    }
}
