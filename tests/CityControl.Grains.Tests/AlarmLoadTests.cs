using CityControl.Devices;
using CityControl.Incidents;
using CityControl.Security;
using CityControl.Tests.Infrastructure;

namespace CityControl.Tests.Grains;

[Collection(ClusterCollection.Name)]
public sealed class AlarmLoadTests(ClusterFixture fixture)
{
    private static readonly GeoPoint Junction = new(37.5155, 126.9076);

    [Fact]
    public async Task More_than_ten_annunciated_alarms_in_ten_minutes_is_a_flood_and_hidden_alarms_are_counted_apart()
    {
        var district = "Rate-" + Guid.NewGuid().ToString("N")[..6];
        var correlator = fixture.Grains.GetGrain<IIncidentCorrelatorGrain>(district);
        var t0 = fixture.Time.GetUtcNow();
        AlarmSignal Signal(string device, AlarmCondition condition, bool active, int second, LifecycleStatus status = LifecycleStatus.Active) =>
            new(device, DeviceKind.TrafficSignal, district, "corridor-1", Junction, new AlarmTransition(condition, active, t0.AddSeconds(second), null, condition.ToString()), status);

        for (var i = 0; i < 10; i++)
        {
            await correlator.Correlate(Signal($"sig-{i}", AlarmCondition.SignalFlash, true, i));
        }

        var beforeFlood = await correlator.GetAlarmRate();
        await correlator.Correlate(Signal("sig-10", AlarmCondition.SignalFault, true, 11));
        var maintenance = await correlator.Correlate(Signal("sig-11", AlarmCondition.SignalFault, true, 12, LifecycleStatus.Maintenance));
        await correlator.Correlate(Signal("sig-0", AlarmCondition.SignalPreemption, true, 13));
        var heldByPreemption = await correlator.Correlate(Signal("sig-0", AlarmCondition.SignalStuckPhase, true, 14));
        var flood = await correlator.GetAlarmRate();

        Assert.Equal((10, false), (beforeFlood.Annunciated, beforeFlood.Flood));
        Assert.Equal((11, true), (flood.Annunciated, flood.Flood));
        Assert.Equal(11, flood.ByPriority[Priority.P3]);
        Assert.Null(maintenance);
        Assert.Null(heldByPreemption);
        Assert.Equal((1, 1, 0), (flood.OutOfService, flood.SuppressedByDesign, flood.Shelved));

        fixture.Time.Advance(TimeSpan.FromMinutes(11));
        var later = await correlator.GetAlarmRate();
        Assert.Equal((0, false), (later.Annunciated, later.Flood));
    }

    [Fact]
    public async Task A_shelved_alarm_is_counted_but_opens_nothing_until_its_shelf_time_ends()
    {
        var district = "Shelf-" + Guid.NewGuid().ToString("N")[..6];
        var correlator = fixture.Grains.GetGrain<IIncidentCorrelatorGrain>(district);
        var t0 = fixture.Time.GetUtcNow();
        AlarmSignal Offline(bool active, int minute) =>
            new("cam-1", DeviceKind.Camera, district, "gate", Junction, new AlarmTransition(AlarmCondition.DeviceOffline, active, t0.AddMinutes(minute), null, "offline"));
        var id = (await correlator.Correlate(Offline(true, 0)))!;
        var incident = fixture.Grains.GetGrain<IIncidentGrain>(id);
        var operatorActor = new Actor("operator", [Roles.Operator]);

        var shelve = new IncidentAction(IncidentActionKind.ShelveAlarm, Text: "camera mast being replaced", DeviceId: "cam-1", Condition: AlarmCondition.DeviceOffline, ShelveFor: TimeSpan.FromMinutes(30));
        var refused = await Assert.ThrowsAsync<IncidentRuleException>(() => incident.Act(shelve, operatorActor));
        await correlator.ShelveAlarm(id, shelve, operatorActor);
        await correlator.Correlate(Offline(false, 1));
        var whileShelved = await correlator.Correlate(Offline(true, 2));
        var rate = await correlator.GetAlarmRate();
        fixture.Time.Advance(TimeSpan.FromMinutes(31));
        var shelvedState = (await incident.GetDetail())!.Alarms.Single().State;
        var afterShelf = await correlator.Correlate(Offline(true, 33));
        var detail = (await incident.GetDetail())!;

        Assert.Equal(IncidentRuleKind.Invalid, refused.Kind);
        Assert.Null(whileShelved);
        Assert.Equal(AlarmState.Shelved, shelvedState);
        Assert.Equal(1, rate.Shelved);
        Assert.Equal(id, afterShelf);
        var alarm = Assert.Single(detail.Alarms);
        Assert.Equal((AlarmState.Unacknowledged, 2), (alarm.State, alarm.Triggers));
        Assert.Contains(detail.Timeline, e => e.Action == "alarm shelved" && e.Actor == "operator" && e.Detail.Contains("camera mast", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_alarm_after_its_incident_ended_opens_a_new_incident_without_the_incident_calling_back()
    {
        var district = "Ended-" + Guid.NewGuid().ToString("N")[..6];
        var correlator = fixture.Grains.GetGrain<IIncidentCorrelatorGrain>(district);
        var t0 = fixture.Time.GetUtcNow();
        AlarmSignal Offline(bool active, int minute) =>
            new("cam-9", DeviceKind.Camera, district, "gate", Junction, new AlarmTransition(AlarmCondition.DeviceOffline, active, t0.AddMinutes(minute), null, "offline"));
        var first = (await correlator.Correlate(Offline(true, 0)))!;
        await fixture.Grains.GetGrain<IIncidentGrain>(first).Act(
            new IncidentAction(IncidentActionKind.Cancel, Text: "camera replaced"), new Actor("operator", [Roles.Operator]));

        // Straight after the cancel, before or after the incident's event has reached the correlator.
        await correlator.Correlate(Offline(false, 1));
        var second = await correlator.Correlate(Offline(true, 2));
        var ended = (await fixture.Grains.GetGrain<IIncidentGrain>(first).GetDetail())!;

        Assert.NotNull(second);
        Assert.NotEqual(first, second);
        Assert.Equal(IncidentStatus.Cancelled, ended.Summary.Status);
        Assert.Equal(1, Assert.Single(ended.Alarms).Triggers);
        Assert.DoesNotContain(first, await correlator.OpenIncidents());
    }
}
