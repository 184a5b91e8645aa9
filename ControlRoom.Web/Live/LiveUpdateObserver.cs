using System.Diagnostics.Metrics;
using System.Collections.Immutable;
using CityControl.Incidents;
using CityControl.Live;
using Microsoft.AspNetCore.SignalR;

namespace CityControl.Web.Live;

/// <summary>A way down to field devices: it delivers the commands the control centre issued (from their device events).</summary>
public interface IDeviceCommandSink
{
    Task SendAsync(IReadOnlyList<CityControl.Devices.DeviceEvent> commands);
}

/// <summary>This host's receiver of live updates: it sorts them into the hub's groups and sends each group one numbered batch.</summary>
public sealed partial class LiveUpdateObserver(
    IHubContext<ControlRoomHub, IControlRoomClient> hub, LiveSequences sequences, CityControl.Rules.CityClock clock, IMeterFactory meters,
    IEnumerable<IDeviceCommandSink> commandSinks, ILogger<LiveUpdateObserver> logger)
    : ILiveUpdateObserver, IDisposable
{
    private readonly SemaphoreSlim _order = new(1, 1);

    private readonly Histogram<double> _lag = meters.Create(PlatformMetrics.Meter)
        .CreateHistogram<double>("citycontrol.live.lag", unit: "ms", description: "From a change (as its source stamped it) to its push to this front end's screens");

    public async Task OnUpdates(ImmutableArray<LiveUpdate> updates)
    {
        var now = clock.UtcNow;
        foreach (var update in updates)
        {
            _lag.Record(Math.Max(0, (now - update.At).TotalMilliseconds));
        }

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

        // Commands for field devices go down to them as well (a signal's plan, a warning device's message).
        var commands = devices.Where(d => d.Type == CityControl.Devices.DeviceEventType.CommandIssued).ToList();
        foreach (var sink in commands.Count == 0 ? [] : commandSinks)
        {
            try
            {
                await sink.SendAsync(commands);
            }
            catch (Exception ex)
            {
                LogCommandsNotSent(ex, commands.Count);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} device command(s) could not be sent down")]
    private partial void LogCommandsNotSent(Exception ex, int count);

    public void Dispose() => _order.Dispose();
}
