using CityControl.Devices;
using CityControl.Incidents;
using CityControl.Tests.Infrastructure;
using CityControl.Rules.Incidents;
using CityControl.Rules.Devices;

namespace CityControl.Tests.Grains;

[Collection(ClusterCollection.Name)]
public sealed class IncidentCorrelationTests(ClusterFixture fixture)
{
    private static readonly GeoPoint Plant = new(37.4830, 126.8960);

    [Fact]
    public async Task A_storm_of_1000_alarms_from_20_devices_in_one_zone_becomes_a_handful_of_incidents_with_every_alarm_counted()
    {
        var district = "Storm-" + Guid.NewGuid().ToString("N")[..6];
        var correlator = fixture.Grains.GetGrain<IIncidentCorrelatorGrain>(district);
        var t0 = fixture.Time.GetUtcNow();
        AlarmCondition[] conditions = [AlarmCondition.GasLow, AlarmCondition.GasHigh, AlarmCondition.GasRateOfRise, AlarmCondition.DeviceOffline, AlarmCondition.SensorFlatline];
        var random = new Random(7);

        var alarms = Enumerable.Range(0, 1000).Select(i =>
        {
            var device = $"gas-{district}-{i % 20:D2}";
            var location = new GeoPoint(Plant.Latitude + (i % 20) * 0.0002, Plant.Longitude + (i % 7) * 0.0002);
            var condition = conditions[random.Next(conditions.Length)];
            return new AlarmSignal(device, DeviceKind.GasSensor, district, "plant-1", location,
                new AlarmTransition(condition, true, t0.AddMilliseconds(i * 3), 40, $"{condition} on {device}"));
        }).ToList();

        var incidentIds = new HashSet<string>();
        foreach (var alarm in alarms)
        {
            if (await correlator.Correlate(alarm) is { } id)
            {
                incidentIds.Add(id);
            }
        }

        var details = await Task.WhenAll(incidentIds.Select(id => fixture.Grains.GetGrain<IIncidentGrain>(id).GetDetail()));
        var rate = await correlator.GetAlarmRate();

        // From the seeded list: a rate of rise on a sensor whose High alarm came earlier is held back by design (ISA-18.2
        // suppression); every other alarm is linked, the gas ones to the leak, offline and flatline to the equipment fault.
        var seenHigh = new HashSet<string>();
        var expectedSuppressed = 0;
        var expectedLinked = new Dictionary<IncidentType, int> { [IncidentType.ChemicalLeak] = 0, [IncidentType.EquipmentFault] = 0 };
        foreach (var a in alarms)
        {
            var condition = a.Transition.Condition;
            if (condition == AlarmCondition.GasRateOfRise && seenHigh.Contains(a.DeviceId))
            {
                expectedSuppressed++;
                continue;
            }

            seenHigh.UnionWith(condition == AlarmCondition.GasHigh ? [a.DeviceId] : []);
            expectedLinked[condition is AlarmCondition.DeviceOffline or AlarmCondition.SensorFlatline ? IncidentType.EquipmentFault : IncidentType.ChemicalLeak]++;
        }

        var linked = details.ToDictionary(d => d!.Summary.Type, d => d!.Alarms.Sum(a => a.Triggers));
        Assert.Equal(2, incidentIds.Count);
        Assert.Equal(expectedLinked, linked);
        Assert.Equal((expectedSuppressed, 0, 0), (rate.SuppressedByDesign, rate.Shelved, rate.OutOfService));
        Assert.Equal(1000 - expectedSuppressed, rate.Annunciated);
        Assert.Equal(linked.Values.Sum(), details.Sum(d => d!.Summary.AlarmCount));
        var leak = details.Single(d => d!.Summary.Type == IncidentType.ChemicalLeak)!;
        Assert.Equal(Priority.P1, leak.Summary.Priority);
        Assert.True(leak.Summary.Confirmed);
        Assert.Equal([Agency.Fire], leak.Summary.Agencies);
        Assert.Equal(20, leak.Devices.Length);
        Assert.True(leak.Timeline.Length < 100, $"{leak.Timeline.Length} timeline entries for a storm");
    }

    [Fact]
    public async Task A_district_going_offline_at_once_is_one_incident_with_bounded_timeline_and_writes()
    {
        var district = "Outage-" + Guid.NewGuid().ToString("N")[..6];
        var correlator = fixture.Grains.GetGrain<IIncidentCorrelatorGrain>(district);
        var t0 = fixture.Time.GetUtcNow();

        string? id = null;
        for (var i = 0; i < 2000; i++)
        {
            id = await correlator.Correlate(new AlarmSignal($"cam-{i:D4}", DeviceKind.Camera, district, "all", new GeoPoint(Plant.Latitude, Plant.Longitude + (i % 10) * 0.0001),
                new AlarmTransition(AlarmCondition.DeviceOffline, true, t0.AddMilliseconds(i), null, "no report")));
        }

        var incident = fixture.Grains.GetGrain<IIncidentGrain>(id!);
        var detail = (await incident.GetDetail())!;

        Assert.Single(await correlator.OpenIncidents());
        Assert.Equal(2000, detail.Alarms.Length);
        Assert.Equal(2000, detail.Summary.AlarmCount);
        Assert.InRange(detail.Timeline.Length, 20, 45);
        Assert.InRange(fixture.Storage.WritesOf(incident.GetGrainId()), 1, 25);
        Assert.InRange(fixture.Storage.WritesOf(correlator.GetGrainId()), 1, 5);
    }

    [Fact]
    public async Task Alarms_far_apart_or_of_other_kinds_open_their_own_incidents_and_clearing_reaches_the_linked_alarm()
    {
        var district = "Apart-" + Guid.NewGuid().ToString("N")[..6];
        var correlator = fixture.Grains.GetGrain<IIncidentCorrelatorGrain>(district);
        var t0 = fixture.Time.GetUtcNow();
        AlarmSignal Alarm(string device, string zone, GeoPoint at, AlarmCondition condition, bool active, int seconds) =>
            new(device, DeviceKind.GasSensor, district, zone, at, new AlarmTransition(condition, active, t0.AddSeconds(seconds), 30, $"{condition}"));

        var first = await correlator.Correlate(Alarm("g1", "plant-1", Plant, AlarmCondition.GasLow, true, 0));
        var near = await correlator.Correlate(Alarm("g2", "plant-2", new GeoPoint(Plant.Latitude + 0.002, Plant.Longitude), AlarmCondition.GasLow, true, 10));
        var far = await correlator.Correlate(Alarm("g3", "plant-9", new GeoPoint(Plant.Latitude + 0.02, Plant.Longitude), AlarmCondition.GasLow, true, 20));
        var late = await correlator.Correlate(Alarm("g4", "plant-1", Plant, AlarmCondition.GasLow, true, 3600));
        var cleared = await correlator.Correlate(Alarm("g1", "plant-1", Plant, AlarmCondition.GasLow, false, 30));
        var information = await correlator.Correlate(Alarm("g1", "plant-1", Plant, AlarmCondition.SignalPreemption, true, 40));

        Assert.Equal(first, near);
        Assert.NotEqual(first, far);
        Assert.NotEqual(first, late);
        Assert.Equal(first, cleared);
        Assert.Null(information);
        var incident = (await fixture.Grains.GetGrain<IIncidentGrain>(first!).GetDetail())!;
        var g1 = incident.Alarms.Single(a => a.DeviceId == "g1");
        Assert.Equal((false, AlarmState.ReturnedToNormalUnacknowledged), (g1.Active, g1.State));
        Assert.True(incident.Summary.Confirmed);
    }

    [Fact]
    public async Task A_gas_leak_read_by_a_device_grain_reaches_an_incident_through_the_event_stream()
    {
        var district = "Stream-" + Guid.NewGuid().ToString("N")[..6];
        var id = "gas-" + Guid.NewGuid().ToString("N")[..8];
        var grain = fixture.Grains.GetGrain<IGasSensorGrain>(id);
        await grain.Onboard(new DeviceDefinition(id, DeviceKind.GasSensor, "NH3", Plant, district, "plant-1", TimeSpan.FromMinutes(5),
            GasSensor: new GasSensorSettings("NH3", "ppm", 25, 35, null, null)), "h");
        var t = fixture.Time.GetUtcNow();
        await using var incidents = await StreamProbe.SubscribeAsync<IncidentEvent>(fixture.Cluster.Client, StreamNames.IncidentEvents, district);

        await grain.ReportReadings(new ReadingBatch([new Reading(t, MetricCatalog.Concentration, 40, "ppm")], t));

        var linked = await incidents.WaitFor(e => e.Incident.AlarmCount == 2);
        var incident = (await fixture.Grains.GetGrain<IIncidentGrain>(linked.Incident.Id).GetDetail())!;
        Assert.Equal([linked.Incident.Id], await fixture.Grains.GetGrain<IIncidentCorrelatorGrain>(district).OpenIncidents());

        Assert.Equal(IncidentType.ChemicalLeak, incident.Summary.Type);
        Assert.Equal([AlarmCondition.GasLow, AlarmCondition.GasHigh], incident.Alarms.Select(a => a.Condition));
        Assert.Equal(Priority.P1, incident.Summary.Priority);
        Assert.Equal(IncidentCatalog.ProcedureOf(IncidentType.ChemicalLeak).Length, incident.Procedure.Length);
    }
}
