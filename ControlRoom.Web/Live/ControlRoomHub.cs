using System.Collections.Concurrent;
using System.Security.Claims;
using CityControl.Devices;
using CityControl.Incidents;
using CityControl.Live;
using CityControl.Security;
using CityControl.Web.Api;
using CityControl.Web.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using CityControl.Rules.Incidents;
using CityControl.Rules;

namespace CityControl.Web.Live;

/// <summary>Changes sent to one group, numbered per group so a client sees order and gaps.</summary>
/// <summary>One group's numbered batch: incidents' new summaries, device events, and each of those devices' status after its event.</summary>
public sealed record LiveBatch(string Group, long Sequence, IReadOnlyList<IncidentSummary> Incidents, IReadOnlyList<DeviceEvent> Devices, IReadOnlyList<DeviceStatus> DeviceStates);

/// <summary>What a client starts from: the open incidents it may see, every device, and each of its groups' sequence at that moment.</summary>
public sealed record LiveSnapshot(IReadOnlyDictionary<string, long> Sequences, IReadOnlyList<IncidentSummary> Incidents, IReadOnlyList<DeviceSummary> Devices, IReadOnlyList<DeviceStatus> DeviceStates);

public interface IControlRoomClient
{
    Task Updates(LiveBatch batch);

    /// <summary>This front end is stopping: connect again (elsewhere, or here once it is back).</summary>
    Task Reconnect(ReconnectHint hint);

    /// <summary>Storage went away (what the screen shows may be stale: changes cannot be saved or published) or came back.</summary>
    Task Platform(PlatformStatus status);
}

/// <summary>
/// The control room's live channel. On connect a client joins the groups of its role (operators and admins: all;
/// police and fire dispatchers: their agency's incidents), then asks for a snapshot and applies the batches numbered
/// after it. After a dropped connection it reconnects and asks for a snapshot again, so nothing is missed.
/// </summary>
[Authorize(Policy = Policies.Staff)]
public sealed class ControlRoomHub(IGrainFactory grains, LiveSequences sequences, CityClock clock, StorageWatch storage) : Hub<IControlRoomClient>
{
    public const string Path = "/hubs/control-room";
    public const string AllGroup = "all";

    public static string AgencyGroup(Agency agency) => "agency:" + agency;

    public static IReadOnlyList<string> GroupsOf(ClaimsPrincipal user) =>
        IncidentEndpoints.AgencyOf(user) is { } agency ? [AgencyGroup(agency)] : [AllGroup];

    public override async Task OnConnectedAsync()
    {
        foreach (var group in GroupsOf(Context.User!))
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, group);
        }

        if (storage.Current is { StorageUp: false } status)
        {
            await Clients.Caller.Platform(status);
        }

        await base.OnConnectedAsync();
    }

    public async Task<LiveSnapshot> Snapshot()
    {
        var user = Context.User!;
        var groups = GroupsOf(user);
        var at = sequences.Current(groups);
        var agency = IncidentEndpoints.AgencyOf(user);
        var now = clock.UtcNow;
        var query = new IncidentQuery(Agency: agency, From: now.AddDays(-92), To: now.AddDays(1));
        var months = Enumerable.Range(0, 4).Select(i => now.AddMonths(-i));
        var incidents = (await grains.QueryIncidents(months, query))
            .Where(i => !IncidentLifecycle.Terminal.Contains(i.Status))
            .OrderBy(i => i.Priority).ThenBy(i => i.OpenedAt)
            .ToList();
        var devices = (await grains.QueryDevices(new DeviceQuery()))
            .Where(d => d.Status != LifecycleStatus.Decommissioned)
            .ToList();
        var boards = await Task.WhenAll(devices.Select(d => d.District).Distinct(StringComparer.Ordinal)
            .Select(district => grains.GetGrain<ILiveFeedGrain>(district).Board()));
        return new LiveSnapshot(at, incidents, devices, [.. boards.SelectMany(b => b)]);
    }
}

/// <summary>This host's sequence numbers, one counter per group.</summary>
public sealed class LiveSequences
{
    private readonly ConcurrentDictionary<string, long> _counters = new(StringComparer.Ordinal);

    public long Next(string group) => _counters.AddOrUpdate(group, 1, (_, n) => n + 1);

    public IReadOnlyDictionary<string, long> Current(IEnumerable<string> groups) =>
        groups.ToDictionary(g => g, g => _counters.GetValueOrDefault(g));
}
