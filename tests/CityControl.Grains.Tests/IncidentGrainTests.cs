using CityControl.Devices;
using CityControl.Grains.Incidents;
using Microsoft.Extensions.DependencyInjection;
using CityControl.Incidents;
using CityControl.Security;
using CityControl.Tests.Infrastructure;
using Orleans.Streams;

namespace CityControl.Tests.Grains;

[Collection(ClusterCollection.Name)]
public sealed class IncidentGrainTests(ClusterFixture fixture)
{
    private static readonly Actor Operator = new("operator", [Roles.Operator]);

    [Fact]
    public async Task An_unacknowledged_incident_climbs_one_priority_every_ten_minutes_and_keeps_it_when_acknowledged()
    {
        var incident = await Open(Priority.P4);

        var start = (await incident.GetDetail())!.Summary.Priority;
        fixture.Time.Advance(TimeSpan.FromMinutes(10));
        var after10 = (await incident.GetDetail())!.Summary.Priority;
        fixture.Time.Advance(TimeSpan.FromMinutes(10));
        var after20 = (await incident.GetDetail())!.Summary.Priority;
        await incident.Act(new IncidentAction(IncidentActionKind.Acknowledge), Operator);
        fixture.Time.Advance(TimeSpan.FromMinutes(30));
        var acknowledged = (await incident.GetDetail())!.Summary.Priority;

        Assert.Equal([Priority.P4, Priority.P3, Priority.P2, Priority.P2], [start, after10, after20, acknowledged]);
    }

    [Fact]
    public async Task Escalation_through_its_reminder_is_published_listed_and_on_the_timeline_and_the_reminder_ends_at_P1()
    {
        var district = "Rise-" + Guid.NewGuid().ToString("N")[..6];
        await using var events = await StreamProbe.SubscribeAsync<IncidentEvent>(fixture.Cluster.Client, StreamNames.IncidentEvents, district);
        var incident = await Open(Priority.P3, district);
        var grainId = incident.GetGrainId();
        var openedAt = (await incident.GetDetail())!.Summary.OpenedAt;
        var reminders = fixture.Cluster.GetSiloServiceProvider(fixture.Cluster.Silos[0].SiloAddress).GetRequiredService<IReminderTable>();
        var registered = Assert.Single((await reminders.ReadRows(grainId)).Reminders);
        Assert.Equal((IncidentGrain.EscalationReminder, TimeSpan.FromMinutes(10)), (registered.ReminderName, registered.Period));

        var seen = new List<(Priority Published, Priority Listed, string Line)>();
        foreach (var expected in new[] { Priority.P2, Priority.P1 })
        {
            // A tick as the reminder service delivers it, once another escalation step has passed.
            fixture.Time.Advance(TimeSpan.FromMinutes(10));
            await fixture.Grains.GetGrain<IRemindable>(grainId).ReceiveReminder(IncidentGrain.EscalationReminder, new TickStatus(DateTime.UtcNow, registered.Period, DateTime.UtcNow));
            var published = await events.WaitFor(e => e.Change == "escalated" && e.Incident.Priority == expected);
            var listed = Assert.Single(await fixture.Grains.QueryIncidents([openedAt], new IncidentQuery(District: district)));
            var line = (await incident.GetDetail())!.Timeline[^1];
            seen.Add((published.Incident.Priority, listed.Priority, $"{line.Action}: {line.Detail}"));
        }

        Assert.Equal(
            [(Priority.P2, Priority.P2, "priority raised: P3 -> P2: not acknowledged for 10 min"), (Priority.P1, Priority.P1, "priority raised: P2 -> P1: not acknowledged for 20 min")],
            seen);
        Assert.Empty((await reminders.ReadRows(grainId)).Reminders);

        // At P1 a late tick raises nothing: only the sentinel note follows the two escalations.
        await fixture.Grains.GetGrain<IRemindable>(grainId).ReceiveReminder(IncidentGrain.EscalationReminder, new TickStatus(DateTime.UtcNow, registered.Period, DateTime.UtcNow));
        await incident.Act(new IncidentAction(IncidentActionKind.AddNote, Text: "sentinel"), Operator);
        await events.WaitFor(e => e.Change == "note");
        Assert.Equal(["opened", "escalated", "escalated", "note"], events.Received.Select(e => e.Change));
    }

    [Fact]
    public async Task Acknowledging_keeps_the_priority_reached_and_removes_the_escalation_reminder()
    {
        var incident = await Open(Priority.P4);
        var grainId = incident.GetGrainId();
        var reminders = fixture.Cluster.GetSiloServiceProvider(fixture.Cluster.Silos[0].SiloAddress).GetRequiredService<IReminderTable>();
        fixture.Time.Advance(TimeSpan.FromMinutes(10));
        await fixture.Grains.GetGrain<IRemindable>(grainId).ReceiveReminder(IncidentGrain.EscalationReminder, new TickStatus(DateTime.UtcNow, TimeSpan.FromMinutes(10), DateTime.UtcNow));
        fixture.Time.Advance(TimeSpan.FromMinutes(10));
        await incident.Act(new IncidentAction(IncidentActionKind.Acknowledge), Operator);

        Assert.Equal(Priority.P2, (await incident.GetDetail())!.Summary.Priority);
        Assert.Empty((await reminders.ReadRows(grainId)).Reminders);
    }

    [Fact]
    public async Task Every_change_is_published_once_on_the_incident_stream()
    {
        var district = "Pub-" + Guid.NewGuid().ToString("N")[..6];
        var received = new List<IncidentEvent>();
        var sentinelSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = await fixture.Cluster.Client.GetStreamProvider(StreamNames.Provider)
            .GetStream<IncidentEvent>(StreamId.Create(StreamNames.IncidentEvents, district))
            .SubscribeAsync((e, _) =>
            {
                if (e.Change == "note")
                {
                    sentinelSeen.TrySetResult();
                }
                else
                {
                    lock (received)
                    {
                        received.Add(e);
                    }
                }

                return Task.CompletedTask;
            });

        var incident = await Open(Priority.P2, district);
        await incident.Act(new IncidentAction(IncidentActionKind.Acknowledge), Operator);
        await incident.Act(new IncidentAction(IncidentActionKind.AddEvidence, Text: "https://evidence.example/clip-1.avi"), Operator);
        var bad = await Assert.ThrowsAsync<IncidentRuleException>(() => incident.Act(new IncidentAction(IncidentActionKind.AddEvidence, Text: "file:///etc/passwd"), Operator));

        // A later change on the same stream: once it has arrived, anything the refused action published would have too.
        await incident.Act(new IncidentAction(IncidentActionKind.AddNote, Text: "sentinel"), Operator);
        await sentinelSeen.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await subscription.UnsubscribeAsync();
        Assert.Equal(["opened", "acknowledge", "evidence added"], received.Select(e => e.Change));
        Assert.Equal([IncidentStatus.New, IncidentStatus.Acknowledged, IncidentStatus.Acknowledged], received.Select(e => e.Incident.Status));
        Assert.Equal(IncidentRuleKind.Invalid, bad.Kind);
        Assert.Equal(["https://evidence.example/clip-1.avi"], (await incident.GetDetail())!.Evidence);
    }

    private async Task<IIncidentGrain> Open(Priority priority, string? district = null)
    {
        var incident = fixture.Grains.GetGrain<IIncidentGrain>("inc-test-" + Guid.NewGuid().ToString("N")[..8]);
        await incident.Open(new IncidentOpening(IncidentType.TrafficSignalFault, priority, "Signal dark", "test", district ?? "Esc", "c-1",
            new GeoPoint(37.51, 126.90), fixture.Time.GetUtcNow(), "test"));
        return incident;
    }
}
