using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Incidents;
using CityControl.Tests.Infrastructure;
using CityControl.Video;

namespace CityControl.Tests.Grains;

/// <summary>What a camera grain makes of its video pipeline's events, and the analytics settings it keeps.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CameraVideoGrainTests(ClusterFixture fixture)
{
    private static readonly GeoPoint Gate = new(37.4845, 126.8975);

    [Fact]
    public async Task An_intrusion_opens_a_police_incident_with_its_evidence_and_a_repeat_is_counted_on_it()
    {
        var (camera, district) = await Onboard();
        await using var incidents = await StreamProbe.SubscribeAsync<IncidentEvent>(fixture.Cluster.Client, StreamNames.IncidentEvents, district);
        var t = fixture.Time.GetUtcNow();
        ImmutableArray<EvidenceItem> evidence =
        [
            new("snapshot", "http://127.0.0.1:10000/devstoreaccount1/evidence/a.jpg", new string('a', 64), 18_606, "image/jpeg"),
            new("clip", "http://127.0.0.1:10000/devstoreaccount1/evidence/a.avi", new string('b', 64), 470_488, "video/x-msvideo"),
        ];

        await camera.ReportVideoEvent(new VideoEvent(VideoEventType.Intrusion, 4.4, "hard shoulder", 11, [252, 201, 9, 11], 0.6, ObjectClass: ObjectClass.Person, At: t, Evidence: evidence));
        var incident = await WaitForIncident(incidents, i => i.AlarmCount == 1);
        await camera.ReportVideoEvent(new VideoEvent(VideoEventType.Intrusion, 21.4, "hard shoulder", 75, [278, 165, 6, 16], 0.5, ObjectClass: ObjectClass.Person, At: t.AddSeconds(17)));
        incident = await WaitForIncident(incidents, i => i.AlarmCount == 2);

        Assert.Equal(IncidentType.Intrusion, incident.Summary.Type);
        Assert.Equal([Agency.Police], incident.Summary.Agencies);
        Assert.Equal(Priority.P2, incident.Summary.Priority);
        var alarm = Assert.Single(incident.Alarms);
        Assert.Equal((AlarmCondition.VideoIntrusion, 2, false), (alarm.Condition, alarm.Triggers, alarm.Active));
        Assert.Equal("Person in restricted zone hard shoulder (momentary)", alarm.LastMessage);
        Assert.Equal(evidence, incident.Media.Select(m => m.Item));
        Assert.All(incident.Media, m => Assert.Equal((camera.GetPrimaryKeyString(), AlarmCondition.VideoIntrusion, t), (m.DeviceId, m.Condition, m.At)));
        Assert.Equal(2, incident.Timeline.Count(e => e.Action == "evidence stored"));

        // The camera itself has no standing alarm: an analytic is momentary.
        Assert.Empty((await camera.GetSnapshot())!.ActiveAlarms!);
        Assert.Equal([VideoEventType.Intrusion, VideoEventType.Intrusion], (await camera.GetRecentVideoEvents(10)).Select(e => e.Type));
    }

    [Fact]
    public async Task The_camera_that_saw_an_intrusion_is_granted_to_police_even_when_other_cameras_stand_as_near()
    {
        // Four cameras at the same spot whose ids sort first: they alone are the incident's four nearest.
        for (var i = 0; i < 4; i++)
        {
            var other = "cam-0-" + Guid.NewGuid().ToString("N")[..8];
            await fixture.Grains.GetGrain<ICameraGrain>(other).Onboard(new DeviceDefinition(other, DeviceKind.Camera, "Gate camera", Gate, "Elsewhere", "complex-gate",
                TimeSpan.FromMinutes(5), Camera: new CameraSettings("rtsp://10.20.0.7/gate", 90, 70, 120)), "h");
        }

        var (camera, district) = await Onboard();
        var id = camera.GetPrimaryKeyString();
        await using var incidents = await StreamProbe.SubscribeAsync<IncidentEvent>(fixture.Cluster.Client, StreamNames.IncidentEvents, district);
        await camera.ReportVideoEvent(new VideoEvent(VideoEventType.Intrusion, 4.4, "hard shoulder", 11, [252, 201, 9, 11], 0.6, ObjectClass: ObjectClass.Person, At: fixture.Time.GetUtcNow()));
        // Two grants come back to the incident: its four nearest cameras, and its own camera.
        var grantsHeard = 0;
        var granted = await incidents.WaitFor(e => e.Change == "video access granted" && ++grantsHeard == 2);
        var detail = (await fixture.Grains.GetGrain<IIncidentGrain>(granted.Incident.Id).GetDetail())!;

        Assert.Contains(detail.Timeline, l => l.Action == IncidentGrains.VideoAccessGranted && l.Detail.Contains(id, StringComparison.Ordinal));
        var grant = Assert.Single((await camera.GetAccess()).Grants, g => g.IncidentId == granted.Incident.Id);
        Assert.Equal(Agency.Police, grant.Agency);
        Assert.True(grant.IsActiveAt(fixture.Time.GetUtcNow()));
    }

    /// <summary>What the control room's procedures say each analytic is: the alarm, the incident, who takes it and how urgent.</summary>
    [Theory]
    [InlineData(VideoEventType.Tampering, AlarmCondition.CameraTampering, IncidentType.CameraTampering, new[] { Agency.Police }, Priority.P3)]
    [InlineData(VideoEventType.Crowding, AlarmCondition.VideoCrowding, IncidentType.Crowding, new[] { Agency.Police }, Priority.P2)]
    [InlineData(VideoEventType.StoppedVehicle, AlarmCondition.VideoStoppedVehicle, IncidentType.StoppedVehicle, new[] { Agency.Traffic, Agency.Police }, Priority.P2)]
    [InlineData(VideoEventType.Loitering, AlarmCondition.VideoLoitering, IncidentType.Loitering, new[] { Agency.Police }, Priority.P3)]
    public async Task Each_analytic_raises_its_own_alarm_and_opens_the_incident_its_procedure_names(
        VideoEventType type, AlarmCondition condition, IncidentType incidentType, Agency[] agencies, Priority priority)
    {
        var (camera, district) = await Onboard();
        await using var incidents = await StreamProbe.SubscribeAsync<IncidentEvent>(fixture.Cluster.Client, StreamNames.IncidentEvents, district);
        var t = fixture.Time.GetUtcNow();

        await camera.ReportVideoEvent(new VideoEvent(type, 12.0, type == VideoEventType.Tampering ? null : "zone-a", 3, [10, 10, 40, 30], 0.7,
            Count: type == VideoEventType.Crowding ? 6 : null, DwellSeconds: type is VideoEventType.Loitering or VideoEventType.StoppedVehicle ? 25 : null,
            ObjectClass: type == VideoEventType.StoppedVehicle ? ObjectClass.Vehicle : ObjectClass.Person, Detail: type == VideoEventType.Tampering ? "view covered" : null, At: t));
        var incident = await WaitForIncident(incidents, _ => true);

        var alarm = Assert.Single(incident.Alarms);
        Assert.Equal((condition, 1, camera.GetPrimaryKeyString()), (alarm.Condition, alarm.Triggers, alarm.DeviceId));
        Assert.Equal((incidentType, priority), (incident.Summary.Type, incident.Summary.Priority));
        Assert.Equal(agencies.Order(), incident.Summary.Agencies.Order());
        Assert.Equal([type], (await camera.GetRecentVideoEvents(10)).Select(e => e.Type));
    }

    [Fact]
    public async Task Stream_loss_and_recovery_from_the_pipeline_are_the_cameras_health()
    {
        var (camera, district) = await Onboard();
        await using var incidents = await StreamProbe.SubscribeAsync<IncidentEvent>(fixture.Cluster.Client, StreamNames.IncidentEvents, district);
        var t = fixture.Time.GetUtcNow();

        await camera.ReportVideoEvent(new VideoEvent(VideoEventType.StreamRestored, 0, null, null, null, 1, Detail: "stream up, 768x432", At: t));
        await camera.ReportVideoEvent(new VideoEvent(VideoEventType.StreamLost, 30, null, null, null, 1, Detail: "the stream ended or went silent", At: t.AddSeconds(30)));
        var lost = (await camera.GetSnapshot())!;
        var incident = await WaitForIncident(incidents, i => i.AlarmCount == 1);
        await camera.ReportVideoEvent(new VideoEvent(VideoEventType.StreamRestored, 45, null, null, null, 1, Detail: "stream back after 15.0 s", At: t.AddSeconds(45)));
        var restored = (await camera.GetSnapshot())!;
        await camera.ReportStreamAlive(t.AddSeconds(75));
        var alive = (await camera.GetSnapshot())!;

        Assert.Equal((false, AlarmCondition.CameraStreamLoss), (lost.Live.StreamUp, Assert.Single(lost.ActiveAlarms!).Condition));
        Assert.Equal(IncidentType.EquipmentFault, incident.Summary.Type);
        Assert.Equal((true, 0), (restored.Live.StreamUp, restored.ActiveAlarms!.Count));
        Assert.Equal(t.AddSeconds(45), restored.LastSeen);

        // The heartbeat keeps the camera seen without adding a video event.
        Assert.Equal((t.AddSeconds(75), true, 0), (alive.LastSeen, alive.Live.StreamUp, alive.ActiveAlarms!.Count));
        // Its own three (the cluster fixture's fake video workers of other tests may own this camera's partition, and
        // report a stream loss of theirs when one falls silent).
        string[] reported = ["stream up, 768x432", "the stream ended or went silent", "stream back after 15.0 s"];
        Assert.Equal(reported, (await camera.GetRecentVideoEvents(10)).Select(e => e.Detail).Where(reported.Contains));
        var events = await camera.GetRecentEvents(20);
        Assert.Contains(events, e => e is { Type: DeviceEventType.AlarmRaised, Alarm.Condition: AlarmCondition.CameraStreamLoss });
        Assert.Contains(events, e => e is { Type: DeviceEventType.AlarmCleared, Alarm.Condition: AlarmCondition.CameraStreamLoss });
    }

    [Fact]
    public async Task Analytics_settings_are_checked_field_by_field_and_kept_across_reactivation()
    {
        var (camera, _) = await Onboard();
        ImmutableArray<ImagePoint> shoulder = [new(229, 240), new(302, 40), new(318, 40), new(276, 240)];

        var line = await Assert.ThrowsAsync<DeviceRuleException>(() => camera.SetAnalytics(
            new CameraAnalyticsConfig([new AnalyticsZone("shoulder", AnalyticsZoneKind.Intrusion, [new(0, 0), new(10, 10), new(20, 20)])], []), "admin"));
        var bowtie = await Assert.ThrowsAsync<DeviceRuleException>(() => camera.SetAnalytics(
            new CameraAnalyticsConfig([new AnalyticsZone("bowtie", AnalyticsZoneKind.Intrusion, [new(0, 0), new(100, 100), new(100, 0), new(0, 60)])], []), "admin"));
        var loiter = await Assert.ThrowsAsync<DeviceRuleException>(() => camera.SetAnalytics(
            new CameraAnalyticsConfig([new AnalyticsZone("shoulder", AnalyticsZoneKind.Intrusion, shoulder), new AnalyticsZone("table", AnalyticsZoneKind.Loitering, shoulder)], [], AnalysisFps: 60), "admin"));

        Assert.Equal(("zones[0].polygon", "zones[0].polygon: must enclose an area (its points lie on one line)"), (line.Field, line.Message));
        Assert.Equal(("zones[0].polygon", "zones[0].polygon: must not cross itself"), (bowtie.Field, bowtie.Message));
        Assert.Equal("analysisFps", loiter.Field);
        Assert.Equal("analysisFps: must be between 0.5 and 30 frames per second; zones[1].seconds: is required for a Loitering zone (the time that makes an alarm)", loiter.Message);
        Assert.Empty((await camera.GetAnalytics()).Zones);

        var writes = fixture.Storage.WritesOf(camera.GetGrainId());
        await camera.SetAnalytics(new CameraAnalyticsConfig([new AnalyticsZone("shoulder", AnalyticsZoneKind.Intrusion, shoulder, ActiveFromHour: 22, ActiveToHour: 6)], [], MinObjectArea: 30), "admin");
        Assert.Equal(writes + 1, fixture.Storage.WritesOf(camera.GetGrainId()));
        var reads = fixture.Storage.ReadsOf(camera.GetGrainId());
        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var kept = await camera.GetAnalytics();

        // A new activation read the stored copy: what follows comes from storage, not from the old object.
        Assert.Equal(reads + 1, fixture.Storage.ReadsOf(camera.GetGrainId()));

        var zone = Assert.Single(kept.Zones);
        Assert.Equal(("shoulder", 22, 6, 30.0), (zone.Name, zone.ActiveFromHour, zone.ActiveToHour, kept.MinObjectArea));
        Assert.Equal(shoulder, zone.Polygon);
        Assert.Contains(await camera.GetRecentEvents(5), e => e.Detail == "video analytics (1 zones, 0 masks) changed by admin");
    }

    private async Task<(ICameraGrain Camera, string District)> Onboard()
    {
        var district = "Video-" + Guid.NewGuid().ToString("N")[..6];
        var id = "cam-" + Guid.NewGuid().ToString("N")[..8];
        var camera = fixture.Grains.GetGrain<ICameraGrain>(id);
        await camera.Onboard(new DeviceDefinition(id, DeviceKind.Camera, "Gate camera", Gate, district, "complex-gate", TimeSpan.FromMinutes(5),
            Camera: new CameraSettings("rtsp://10.20.0.6/gate", 90, 70, 120)), "h");
        return (camera, district);
    }

    /// <summary>The incident once its published summary matches, as the incident grain then tells it.</summary>
    private async Task<IncidentDetail> WaitForIncident(StreamProbe<IncidentEvent> incidents, Func<IncidentSummary, bool> until)
    {
        var change = await incidents.WaitFor(e => until(e.Incident));
        return (await fixture.Grains.GetGrain<IIncidentGrain>(change.Incident.Id).GetDetail())!;
    }
}
