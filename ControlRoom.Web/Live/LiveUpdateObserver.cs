using System.Collections.Immutable;
using CityControl.Incidents;
using CityControl.Live;
using Microsoft.AspNetCore.SignalR;

namespace CityControl.Web.Live;

/// <summary>This host's receiver of live updates: it sorts them into the hub's groups and sends each group one numbered batch.</summary>
public sealed class LiveUpdateObserver(IHubContext<ControlRoomHub, IControlRoomClient> hub, LiveSequences sequences) : ILiveUpdateObserver, IDisposable
{
    private readonly SemaphoreSlim _order = new(1, 1);

    public async Task OnUpdates(ImmutableArray<LiveUpdate> updates)
    {
        var incidents = updates.Select(u => u.Incident).OfType<IncidentSummary>().ToList();
        var devices = updates.Select(u => u.Device).OfType<CityControl.Devices.DeviceEvent>().ToList();
        var states = updates.Select(u => u.Status).OfType<CityControl.Devices.DeviceStatus>().ToList();
        var targets = new List<(string Group, List<IncidentSummary> Incidents)> { (ControlRoomHub.AllGroup, incidents) };
        foreach (var agency in Enum.GetValues<Agency>())
        {
            targets.Add((ControlRoomHub.AgencyGroup(agency), incidents.Where(i => i.Agencies.Contains(agency)).ToList()));
        }

        // Numbering and sending under one lock: a group's batches leave in the order of their numbers.
        await _order.WaitAsync();
        try
        {
            foreach (var (group, groupIncidents) in targets)
            {
                await hub.Clients.Group(group).Updates(new LiveBatch(group, sequences.Next(group), groupIncidents, devices, states));
            }
        }
        finally
        {
            _order.Release();
        }
    }

    public void Dispose() => _order.Dispose();
}
