using System.Collections.Immutable;
using CityControl.Devices;

namespace CityControl.Grains.Devices;

[GenerateSerializer, Alias("citycontrol.device-announcements-state.v1")]
public sealed class DeviceAnnouncementsState
{
    [Id(0)] public Dictionary<string, DeviceAnnouncement> Announced { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One share of the devices gateways announced that are no devices yet (see <see cref="DeviceAnnouncement"/>).</summary>
public sealed class DeviceAnnouncementsGrain(
    [PersistentState("device-announcements", StorageNames.GrainState)] IPersistentState<DeviceAnnouncementsState> state) : Grain, IDeviceAnnouncementsGrain
{
    public async Task Announce(DeviceAnnouncement announcement)
    {
        var announced = state.State.Announced;
        announced[announcement.Id] = announced.TryGetValue(announcement.Id, out var before)
            ? announcement with { FirstAt = before.FirstAt, Times = before.Times + 1 }
            : announcement with { Times = 1 };
        while (announced.Count > DeviceAnnouncements.MaxPerPartition)
        {
            announced.Remove(announced.Values.MinBy(a => a.LastAt)!.Id);
        }

        await state.WriteStateAsync();
    }

    public Task<ImmutableArray<DeviceAnnouncement>> List() => Task.FromResult(state.State.Announced.Values.ToImmutableArray());

    public Task<DeviceAnnouncement?> Get(string id) => Task.FromResult(state.State.Announced.GetValueOrDefault(id));

    public async Task<bool> Remove(string id)
    {
        if (!state.State.Announced.Remove(id))
        {
            return false;
        }

        await state.WriteStateAsync();
        return true;
    }
}
