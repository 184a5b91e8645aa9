using CityControl.Devices;
using CityControl.Grains.Incidents;
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

    /// <summary>
    /// A waiting P3 whose alarm an operator shelves for 30 minutes: the escalation step that passes meanwhile raises
    /// nothing and says so on the timeline; the list shows it shelved; after the shelf the wait counts again.
    /// </summary>
    [Fact]
    public async Task An_escalation_step_while_shelved_is_held_on_the_timeline_and_the_wait_counts_again_after()
    {
        var district = "Held-" + Guid.NewGuid().ToString("N")[..6];
        var correlator = fixture.Grains.GetGrain<IIncidentCorrelatorGrain>(district);
        var t0 = fixture.Time.GetUtcNow();
        var id = (await correlator.Correlate(new AlarmSignal("sig-1", DeviceKind.TrafficSignal, district, "junction", Junction,
            new AlarmTransition(AlarmCondition.SignalFlash, true, t0, null, "flashing"))))!;
        var incident = fixture.Grains.GetGrain<IIncidentGrain>(id);
        Assert.Equal(Priority.P3, (await incident.GetDetail())!.Summary.Priority);
        await correlator.ShelveAlarm(id, new IncidentAction(IncidentActionKind.ShelveAlarm, Text: "controller being reset", DeviceId: "sig-1",
            Condition: AlarmCondition.SignalFlash, ShelveFor: TimeSpan.FromMinutes(30)), new Actor("operator", [Roles.Operator]));
        var shelved = (await incident.GetDetail())!.Summary;

        fixture.Time.Advance(TimeSpan.FromMinutes(10));
        var tick = new TickStatus(DateTime.UtcNow, TimeSpan.FromMinutes(10), DateTime.UtcNow);
        await fixture.Grains.GetGrain<IRemindable>(incident.GetGrainId()).ReceiveReminder(IncidentGrain.EscalationReminder, tick);
        var held = (await incident.GetDetail())!;
        fixture.Time.Advance(TimeSpan.FromMinutes(21));
        var afterShelf = (await incident.GetDetail())!.Summary;
        fixture.Time.Advance(TimeSpan.FromMinutes(10));
        await fixture.Grains.GetGrain<IRemindable>(incident.GetGrainId()).ReceiveReminder(IncidentGrain.EscalationReminder, tick);
        var raised = (await incident.GetDetail())!;

        Assert.Equal(t0.AddMinutes(30), shelved.ShelvedUntil);
        Assert.Equal(Priority.P3, held.Summary.Priority);
        Assert.Equal("escalation held", held.Timeline[^1].Action);
        Assert.StartsWith("P3 kept: its alarms are shelved until", held.Timeline[^1].Detail, StringComparison.Ordinal);
        Assert.Equal(Priority.P3, afterShelf.Priority);
        Assert.Equal(Priority.P2, raised.Summary.Priority);
        Assert.Equal(("priority raised", "P3 -> P2: not acknowledged for 41 min"), (raised.Timeline[^1].Action, raised.Timeline[^1].Detail));
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
