using System.Collections.Immutable;
using CityControl.Devices;

namespace CityControl.Grains.Devices;

[GenerateSerializer, Alias("citycontrol.device-directory-state.v1")]
public sealed class DeviceDirectoryState
{
    [Id(0)] public Dictionary<string, DeviceSummary> Devices { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One partition of the device index; written only when a device is onboarded or changed, never per reading.</summary>
public sealed class DeviceDirectoryGrain(
    [PersistentState("directory", StorageNames.GrainState)] IPersistentState<DeviceDirectoryState> state)
    : Grain, IDeviceDirectoryGrain
{
    public async Task Upsert(DeviceSummary summary)
    {
        if (state.State.Devices.TryGetValue(summary.Id, out var existing) && existing == summary)
        {
            return;
        }

        state.State.Devices[summary.Id] = summary;
        await state.WriteStateAsync();
    }

    public Task<ImmutableArray<DeviceSummary>> Find(ImmutableArray<string> ids) =>
        Task.FromResult(ids.Select(id => state.State.Devices.GetValueOrDefault(id)).OfType<DeviceSummary>().ToImmutableArray());

    public Task<ImmutableArray<DeviceSummary>> Query(DeviceQuery query) =>
        Task.FromResult(state.State.Devices.Values
            .Where(d => (query.Kind is null || d.Kind == query.Kind)
                && (query.District is null || string.Equals(d.District, query.District, StringComparison.OrdinalIgnoreCase))
                && (query.Status is null || d.Status == query.Status))
            .ToImmutableArray());
}
