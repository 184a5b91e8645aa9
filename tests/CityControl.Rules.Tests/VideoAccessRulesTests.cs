using System.Collections.Immutable;
using CityControl.Incidents;
using CityControl.Rules.Security;
using CityControl.Rules.Video;
using CityControl.Security;
using CityControl.Video;

namespace CityControl.Tests.Rules;

/// <summary>Purpose-limited video and refresh-token rotation, as plain rules.</summary>
public sealed class VideoAccessRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);
    private static readonly VideoViewer FireDispatcher = new("fire", false, false, Agency.Fire);
    private static readonly VideoViewer PoliceDispatcher = new("police", false, false, Agency.Police);
    private static readonly VideoViewer OperatorViewer = new("operator", false, true, null);
    private static readonly VideoViewer AdminViewer = new("admin", true, false, null);

    private static CameraAccess PoliceCamera(params VideoGrant[] grants) =>
        new("cam-1", CameraOwner.Police, [VideoPurpose.CrimePrevention, VideoPurpose.FacilitySafety], [.. grants]);

    private static VideoGrant Grant(Agency agency, TimeSpan from, TimeSpan until, DateTimeOffset? revoked = null) =>
        new("g1", "cam-1", agency, VideoPurpose.FacilitySafety, "smoke", "operator", Now + from, Now + until, RevokedAt: revoked);

    [Fact]
    public void Each_role_sees_what_its_duty_gives_and_a_dispatcher_of_another_agency_only_through_an_active_grant()
    {
        var decisions = new[]
        {
            VideoAccessRules.Decide(AdminViewer, PoliceCamera(), VideoUse.LiveView, Now),
            VideoAccessRules.Decide(OperatorViewer, PoliceCamera(), VideoUse.LiveView, Now),
            VideoAccessRules.Decide(PoliceDispatcher, PoliceCamera(), VideoUse.Evidence, Now),
            VideoAccessRules.Decide(FireDispatcher, PoliceCamera(), VideoUse.LiveView, Now),
            VideoAccessRules.Decide(FireDispatcher, PoliceCamera(Grant(Agency.Fire, TimeSpan.Zero, TimeSpan.FromMinutes(10))), VideoUse.LiveView, Now),
            VideoAccessRules.Decide(FireDispatcher, PoliceCamera(Grant(Agency.Fire, TimeSpan.FromMinutes(-20), TimeSpan.FromMinutes(-10))), VideoUse.LiveView, Now),
            VideoAccessRules.Decide(FireDispatcher, PoliceCamera(Grant(Agency.Fire, TimeSpan.Zero, TimeSpan.FromMinutes(10), Now)), VideoUse.LiveView, Now),
            VideoAccessRules.Decide(FireDispatcher, PoliceCamera(Grant(Agency.Police, TimeSpan.Zero, TimeSpan.FromMinutes(10))), VideoUse.LiveView, Now),
        };

        Assert.Equal([true, true, true, false, true, false, false, false], decisions.Select(d => d.Allowed));
        Assert.Equal((VideoPurpose.FacilitySafety, "g1"), (decisions[4].Purpose, decisions[4].GrantId));
        Assert.Equal(VideoPurpose.CrimePrevention, decisions[1].Purpose);
        Assert.Contains("only through an access grant", decisions[3].Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_admins_see_a_stream_address()
    {
        var allowed = new[] { AdminViewer, OperatorViewer, PoliceDispatcher, FireDispatcher }
            .Select(v => VideoAccessRules.Decide(v, PoliceCamera(Grant(Agency.Fire, TimeSpan.Zero, TimeSpan.FromHours(1))), VideoUse.StreamAddress, Now).Allowed);

        Assert.Equal([true, false, false, false], allowed);
    }

    [Theory]
    [InlineData(Agency.Fire, VideoPurpose.FacilitySafety, "ok", 10.0, null)]
    [InlineData(Agency.Traffic, VideoPurpose.FacilitySafety, "ok", 10.0, "agency")]
    [InlineData(Agency.Police, VideoPurpose.FacilitySafety, "ok", 10.0, "agency")]
    [InlineData(Agency.Fire, VideoPurpose.TrafficInformation, "ok", 10.0, "purpose")]
    [InlineData(Agency.Fire, VideoPurpose.FacilitySafety, " ", 10.0, "reason")]
    [InlineData(Agency.Fire, VideoPurpose.FacilitySafety, "ok", 0.5, "minutes")]
    [InlineData(Agency.Fire, VideoPurpose.FacilitySafety, "ok", 1441.0, "minutes")]
    public void A_grant_names_an_agency_that_needs_one_a_purpose_of_the_camera_a_reason_and_at_most_a_day(Agency agency, VideoPurpose purpose, string reason, double minutes, string? field)
    {
        var errors = VideoAccessRules.Validate(PoliceCamera(), new VideoGrantRequest(agency, purpose, reason, TimeSpan.FromMinutes(minutes)));

        Assert.Equal(field is null ? [] : [field], errors.Select(e => e.Field));
    }

    [Fact]
    public void An_incident_grants_the_first_of_its_agencys_purposes_the_camera_serves_and_nothing_for_a_camera_serving_none()
    {
        Assert.Equal(VideoPurpose.FacilitySafety, VideoAccessRules.PurposeForIncident(Agency.Fire, [VideoPurpose.CrimePrevention, VideoPurpose.FacilitySafety]));
        Assert.Equal(VideoPurpose.DisasterResponse, VideoAccessRules.PurposeForIncident(Agency.Fire, [VideoPurpose.DisasterResponse, VideoPurpose.FacilitySafety]));
        Assert.Equal(VideoPurpose.CrimePrevention, VideoAccessRules.PurposeForIncident(Agency.Police, [VideoPurpose.FacilitySafety, VideoPurpose.CrimePrevention]));
        Assert.Null(VideoAccessRules.PurposeForIncident(Agency.Police, [VideoPurpose.TrafficInformation]));
    }

    [Fact]
    public void A_refresh_moves_the_session_on_once_and_an_old_refresh_token_ends_it()
    {
        var session = new SignInSession("police", Now, Now.AddHours(12), 0);

        var (first, ok) = SignInSessionRules.Refresh(session, "police", 0, Now.AddMinutes(1));
        var (reused, refused) = SignInSessionRules.Refresh(first, "police", 0, Now.AddMinutes(2));
        var (_, afterEnd) = SignInSessionRules.Refresh(reused, "police", 1, Now.AddMinutes(3));
        var (_, expired) = SignInSessionRules.Refresh(session, "police", 0, Now.AddHours(12));
        var (_, otherUser) = SignInSessionRules.Refresh(session, "fire", 0, Now.AddMinutes(1));

        Assert.Equal(1, ok.Generation);
        Assert.Null(refused.Generation);
        Assert.NotNull(reused!.EndedAt);
        Assert.Null(afterEnd.Generation);
        Assert.Contains("ended", afterEnd.Refused, StringComparison.Ordinal);
        Assert.Null(expired.Generation);
        Assert.Null(otherUser.Generation);
        Assert.Null(SignInSessionRules.Refresh(null, "police", 0, Now).Outcome.Generation);
    }

    [Fact]
    public void An_incidents_page_lists_its_own_cameras_however_far_and_then_the_nearest_others()
    {
        static CityControl.Devices.DeviceSummary Camera(string id, double latitude) =>
            new(id, CityControl.Devices.DeviceKind.Camera, id, new CityControl.Devices.GeoPoint(latitude, 127.0), "D", "z", CityControl.Devices.LifecycleStatus.Active);
        var at = new CityControl.Devices.GeoPoint(37.5, 127.0);
        // Five cameras on the spot (0 m) and the one that raised the incident 0.01° (about 1.1 km) north: the raising one is listed
        // first, the others fill the count.
        var cameras = Enumerable.Range(0, 5).Select(i => Camera($"near-{i}", 37.5)).Append(Camera("raiser", 37.51)).ToList();

        var listed = VideoAccessRules.ForIncident(cameras, at, 4, new HashSet<string> { "raiser", "not-a-camera" });

        Assert.Equal(["raiser", "near-0", "near-1", "near-2", "near-3"], listed.Select(c => c.Camera.Id));
        Assert.InRange(listed[0].Meters, 1100, 1120);
        Assert.Equal(["near-0", "near-1", "near-2", "near-3"], VideoAccessRules.ForIncident(cameras, at, 4, new HashSet<string>()).Select(c => c.Camera.Id));
    }
}
