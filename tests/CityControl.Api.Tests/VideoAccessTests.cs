using System.Collections.Immutable;
using System.Net;
using System.Text.Json.Nodes;
using CityControl.Testing;
using CityControl.Tests.Infrastructure;
using CityControl.Devices;
using CityControl.Video;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CityControl.Tests.Api;

/// <summary>
/// Purpose-limited video over real HTTP: who sees a camera's live view, evidence and stream address, through which
/// grant, until when, and the audit trail of every look. Each test has its own platform, whose clock it moves.
/// </summary>
public sealed class VideoAccessTests
{
    private static readonly (string User, string Password) Fire = ("fire", "fire-demo");

    [Fact]
    public async Task A_fire_dispatcher_sees_a_police_camera_only_through_a_grant_until_it_ends_and_every_look_is_audited()
    {
        // Five minutes before a midnight (UTC): the grant's ten minutes end the next day, as the audit trail's days do.
        var time = new FakeTimeProvider(new DateTimeOffset(DateTime.UtcNow.Date.AddDays(1).AddMinutes(-5), TimeSpan.Zero));
        var started = time.GetUtcNow();
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory(), time);
        var api = platform.Api;
        var camera = MemoryPlatformFixture.NewId("cam");
        await api.OnboardAsync(CameraOf(camera, 37.5105, 126.9005, owner: "police", purposes: ["crimePrevention", "facilitySafety"]));
        await using var worker = await FrameWorker.StartAsync(platform, camera);
        await platform.Services.GetRequiredService<IGrainFactory>().GetGrain<ICameraGrain>(camera).ReportVideoEvent(
            new VideoEvent(VideoEventType.Intrusion, 1, "gate", 1, [10, 10, 5, 12], 0.8, ObjectClass: ObjectClass.Person, At: time.GetUtcNow(),
                Evidence: [new EvidenceItem("snapshot", $"http://127.0.0.1:10000/devstoreaccount1/evidence/{camera}/1.jpg", new string('a', 64), 1024, "image/jpeg")]));

        // Without a grant: no live view, no evidence addresses, and no stream address for anyone but admins.
        using var refused = await api.SendAsync(HttpMethod.Get, $"/api/cameras/{camera}/live.jpg", Fire);
        var fireEvents = await api.GetJsonAsync($"/api/cameras/{camera}/video-events", Fire);
        var policeEvents = await api.GetJsonAsync($"/api/cameras/{camera}/video-events", PlatformApi.Police);
        var asOperator = await api.GetJsonAsync($"/api/devices/{camera}", PlatformApi.Operator);
        var asAdmin = await api.GetJsonAsync($"/api/devices/{camera}", PlatformApi.Admin);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("only through an access grant", (await PlatformApi.BodyAsync(refused))["title"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(fireEvents[0]!["evidence"]);
        Assert.DoesNotContain("devstoreaccount1", fireEvents.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(new string('a', 64), policeEvents[0]!["evidence"]![0]!["sha256"]!.GetValue<string>());
        Assert.Null(asOperator["camera"]!["streamUrl"]);
        Assert.Equal("rtsp://10.20.0.5:8554/gate", asAdmin["camera"]!["streamUrl"]!.GetValue<string>());

        // A grant must come from the centre and name one of the camera's purposes.
        var grantBody = new { agency = "fire", purpose = "facilitySafety", reason = "smoke from the plant next door drifting over the gate", minutes = 10 };
        using var byFire = await api.PostJsonAsync($"/api/cameras/{camera}/grants", grantBody, Fire);
        using var wrongPurpose = await api.PostJsonAsync($"/api/cameras/{camera}/grants", grantBody with { purpose = "trafficInformation" }, PlatformApi.Operator);
        using var granted = await api.PostJsonAsync($"/api/cameras/{camera}/grants", grantBody, PlatformApi.Operator);
        Assert.Equal(HttpStatusCode.Forbidden, byFire.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, wrongPurpose.StatusCode);
        Assert.Contains("is watched for CrimePrevention, FacilitySafety only", (await PlatformApi.BodyAsync(wrongPurpose))["errors"]!["purpose"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, granted.StatusCode);
        var grantId = (await PlatformApi.BodyAsync(granted))["id"]!.GetValue<string>();

        // With the grant: the live view (twice: one viewing) and the evidence addresses.
        using var live = await api.SendAsync(HttpMethod.Get, $"/api/cameras/{camera}/live.jpg", Fire);
        time.Advance(TimeSpan.FromSeconds(5));
        using var again = await api.SendAsync(HttpMethod.Get, $"/api/cameras/{camera}/live.jpg", Fire);
        var grantedEvents = await api.GetJsonAsync($"/api/cameras/{camera}/video-events", Fire);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("image/jpeg", live.Content.Headers.ContentType!.MediaType);
        Assert.Equal(worker.Frame, await live.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(new string('a', 64), grantedEvents[0]!["evidence"]![0]!["sha256"]!.GetValue<string>());

        // Ten minutes later the grant is over.
        time.Advance(TimeSpan.FromMinutes(10));
        using var expired = await api.SendAsync(HttpMethod.Get, $"/api/cameras/{camera}/live.jpg", Fire);
        Assert.Equal(HttpStatusCode.Forbidden, expired.StatusCode);

        // The audit trail: every look and the grant, with who, which camera, the purpose and the grant; admins only.
        using var auditByFire = await api.SendAsync(HttpMethod.Get, "/api/video/audit", Fire);
        // From the day the test began to the day its clock reached.
        var days = $"from={started:yyyy-MM-dd}&to={time.GetUtcNow():yyyy-MM-dd}";
        var audit = await api.GetJsonAsync($"/api/video/audit?camera={camera}&{days}", PlatformApi.Admin);
        Assert.Equal(HttpStatusCode.Forbidden, auditByFire.StatusCode);
        Assert.Empty(audit["brokenFiles"]!.AsArray());
        var trail = audit["records"]!.AsArray().Reverse().Select(r => (
            Kind: r!["kind"]!.GetValue<string>(), User: r["user"]!.GetValue<string>(), Purpose: r["purpose"]?.GetValue<string>(), Grant: r["grant"]?.GetValue<string>())).ToList();
        Assert.Equal(
            [("refused", "fire", null, null), ("grant", "operator", "FacilitySafety", grantId), ("view", "fire", "FacilitySafety", grantId), ("refused", "fire", null, null)],
            trail);
    }

    [Fact]
    public async Task An_incident_routed_to_police_grants_them_its_nearest_cameras_for_its_purpose_until_it_ends()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var platform = await InProcessPlatform.StartAsync(PlatformSettings.Memory(), time);
        var api = platform.Api;
        var district = MemoryPlatformFixture.NewId("grants");
        var (gate, traffic, far) = ($"cam-{district}-gate", $"cam-{district}-traffic", $"cam-{district}-far");
        await api.OnboardAsync(CameraOf(gate, 37.5105, 126.9005, district: district));
        await api.OnboardAsync(CameraOf(traffic, 37.5120, 126.9020, district: district, purposes: ["trafficInformation"]));
        await api.OnboardAsync(CameraOf(far, 37.5600, 126.9800, district: district));
        await using var worker = await FrameWorker.StartAsync(platform, gate);
        using var before = await api.SendAsync(HttpMethod.Get, $"/api/cameras/{gate}/live.jpg", PlatformApi.Police);

        // A person in the gate camera's zone: a police incident, which grants the police the cameras near it.
        await platform.Services.GetRequiredService<IGrainFactory>().GetGrain<ICameraGrain>(gate).ReportVideoEvent(
            new VideoEvent(VideoEventType.Intrusion, 1, "gate", 1, [10, 10, 5, 12], 0.8, ObjectClass: ObjectClass.Person, At: time.GetUtcNow()));
        var incident = await WaitAsync(async () =>
            (await api.GetJsonAsync($"/api/incidents?district={district}", PlatformApi.Operator))["items"]!.AsArray().FirstOrDefault()?["id"]!.GetValue<string>());
        // Two grant requests meet at the incident (its nearest cameras, and the camera whose alarm it links), in either
        // order; the refusal for the traffic camera comes with the nearest cameras', so once it is there the gate
        // camera's grant is too, whichever request gave it.
        var timeline = await WaitForTimelineAsync(api, incident, "video access not granted");
        using var during = await api.SendAsync(HttpMethod.Get, $"/api/cameras/{gate}/live.jpg", PlatformApi.Police);
        using var trafficView = await api.SendAsync(HttpMethod.Get, $"/api/cameras/{traffic}/live.jpg", PlatformApi.Police);
        using var farView = await api.SendAsync(HttpMethod.Get, $"/api/cameras/{far}/live.jpg", PlatformApi.Police);
        var nearest = await api.GetJsonAsync($"/api/incidents/{incident}/nearest-cameras", PlatformApi.Police);

        Assert.Equal(HttpStatusCode.Forbidden, before.StatusCode);
        Assert.Contains(timeline, l => l.Action == "video access granted" && l.Detail.StartsWith($"Police: {gate} (CrimePrevention) until", StringComparison.Ordinal));
        Assert.Contains(timeline, l => l.Action == "video access not granted" && l.Detail == $"Police: {traffic} (watched for TrafficInformation only)");
        Assert.DoesNotContain(timeline, l => l.Detail.Contains(far, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, during.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, trafficView.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, farView.StatusCode);
        Assert.Equal([true, false, false], nearest.AsArray().Select(c => c!["access"]!.GetValue<bool>()));

        // The grants are the platform's bookkeeping: the public CAP message is the one of the incident's last real change.
        var lines = (await api.GetJsonAsync($"/api/incidents/{incident}", PlatformApi.Operator))["timeline"]!.AsArray();
        var lastPublic = lines.Last(l => !l!["action"]!.GetValue<string>().StartsWith("video access", StringComparison.Ordinal))!["sequence"]!.GetValue<int>();
        using var cap = await api.SendAsync(HttpMethod.Get, $"/api/incidents/{incident}/cap", PlatformApi.Operator);
        var identifier = System.Xml.Linq.XDocument.Parse(await cap.Content.ReadAsStringAsync()).Root!
            .Element(System.Xml.Linq.XName.Get("identifier", "urn:oasis:names:tc:emergency:cap:1.2"))!.Value;
        Assert.Equal($"{incident}.{lastPublic}", identifier);
        // The grant lines are on the timeline (whether the alarm's link came before or after them is a race of two
        // one-way calls; either way the message above is the one of the last public change).
        Assert.Contains(lines, l => l!["action"]!.GetValue<string>() == "video access granted");

        // The incident ends: so does the police's access.
        using var cancelled = await api.PostJsonAsync($"/api/incidents/{incident}/actions/cancel", new { text = "a maintenance worker with a permit" }, PlatformApi.Operator);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        var grants = await WaitAsync(async () =>
        {
            var g = await api.GetJsonAsync($"/api/cameras/{gate}/grants", PlatformApi.Police);
            return g["grants"]!.AsArray() is [{ } only] && only["revokedAt"] is not null ? g : null;
        });
        using var after = await api.SendAsync(HttpMethod.Get, $"/api/cameras/{gate}/live.jpg", PlatformApi.Police);
        Assert.Equal(incident, grants["grants"]![0]!["incidentId"]!.GetValue<string>());
        Assert.Equal("Police", grants["grants"]![0]!["agency"]!.GetValue<string>(), ignoreCase: true);
        Assert.Equal(HttpStatusCode.Forbidden, after.StatusCode);
    }

    private static object CameraOf(string id, double latitude, double longitude, string district = "Video-access", string? owner = null, string[]? purposes = null) => new
    {
        id,
        kind = "camera",
        name = $"Camera {id}",
        location = new { latitude, longitude },
        district,
        zone = "gate",
        camera = new { streamUrl = "rtsp://10.20.0.5:8554/gate", bearingDegrees = 90, fieldOfViewDegrees = 60, rangeMeters = 100, owner, purposes },
    };

    private static async Task<List<(string Action, string Detail)>> WaitForTimelineAsync(PlatformApi api, string incident, string action) =>
        (await WaitAsync(async () =>
        {
            var detail = await api.GetJsonAsync($"/api/incidents/{incident}", PlatformApi.Operator);
            var lines = detail["timeline"]!.AsArray().Select(l => (l!["action"]!.GetValue<string>(), l["detail"]!.GetValue<string>())).ToList();
            return lines.Any(l => l.Item1 == action) ? lines : null;
        }))!;

    /// <summary>Until the probe answers (the one-way grant and revocation calls have landed), at most 10 s.</summary>
    private static async Task<T> WaitAsync<T>(Func<Task<T?>> probe)
        where T : class
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            await Task.Delay(50, timeout.Token);
        }
    }
}
