using CityControl.Devices;
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
