using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Grains.Persistence;
using Microsoft.Extensions.Logging;

namespace CityControl.Grains.Devices;

[GenerateSerializer, Alias("citycontrol.device-directory-state.v1")]
public sealed class DeviceDirectoryState
{
    [Id(0)] public Dictionary<string, DeviceSummary> Devices { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Each device's status after its last recorded event, for the districts' boards.</summary>
    [Id(1)] public Dictionary<string, DeviceStatus> Statuses { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// One partition of the device index, changed when a device is onboarded or changed, never per reading. A write
/// stores the whole partition (thousands of devices), so changes are checkpointed every <see cref="CheckpointDelay"/>
/// instead of written one by one (writing each made onboarding quadratic: 275 devices/s at 100,000 devices). What a
/// crash takes from the last seconds comes back from the devices themselves: each tells its partition its summary
/// whenever it activates (a reading, its watchdog reminder, any call), so the index heals within one heartbeat.
/// </summary>
public sealed partial class DeviceDirectoryGrain(
    [PersistentState("directory", StorageNames.GrainState)] IPersistentState<DeviceDirectoryState> state,
    ILogger<DeviceDirectoryGrain> logger)
    : Grain, IDeviceDirectoryGrain
{
    public static readonly TimeSpan CheckpointDelay = TimeSpan.FromSeconds(2);

    /// <summary>How long a changed device status may wait for its partition's next write.</summary>
    public static readonly TimeSpan StatusCheckpointDelay = TimeSpan.FromSeconds(30);

    private bool _statusesChanged;

    private void SaveStatuses()
    {
        if (_statusesChanged)
        {
            _statusesChanged = false;
            Checkpoints.MarkDirty();
        }
    }

    private StateCheckpoint? _checkpoints;

    private StateCheckpoint Checkpoints => _checkpoints ??= new StateCheckpoint(this, state, CheckpointDelay, logger,
        "device summaries changed in the last seconds (the devices tell them again when they next activate)");

    public Task Upsert(DeviceSummary summary, DeviceStatus? status = null)
    {
        if (!state.State.Devices.TryGetValue(summary.Id, out var existing) || existing != summary)
        {
            state.State.Devices[summary.Id] = summary;
            Checkpoints.MarkDirty();
        }

        if (summary.Status == LifecycleStatus.Decommissioned)
        {
            if (state.State.Statuses.Remove(summary.Id))
            {
                Checkpoints.MarkDirty();
            }
        }
        else if (status is not null && (!state.State.Statuses.TryGetValue(summary.Id, out var known) || !Same(known, status)))
        {
            // Saved with the next summary change, or within StatusCheckpointDelay: a status is what a feed starts its
            // board from, and the devices' events correct it, so it need not cost a storage write every 2 s.
            state.State.Statuses[summary.Id] = status;
            _statusesChanged = true;
        }

        return Task.CompletedTask;
    }

    public Task<ImmutableArray<DeviceStatus>> Board(string district) =>
        Task.FromResult(state.State.Devices.Values
            .Where(d => d.Status != LifecycleStatus.Decommissioned && string.Equals(d.District, district, StringComparison.OrdinalIgnoreCase))
            .Select(d => state.State.Statuses.GetValueOrDefault(d.Id))
            .OfType<DeviceStatus>()
            .ToImmutableArray());

    private static bool Same(DeviceStatus a, DeviceStatus b) =>
        a.Live == b.Live && a.Connectivity == b.Connectivity && a.LastSeen == b.LastSeen && a.ActiveAlarms.SequenceEqual(b.ActiveAlarms);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(static grain =>
        {
            grain.SaveStatuses();
            return Task.CompletedTask;
        }, this, new GrainTimerCreationOptions(StatusCheckpointDelay, StatusCheckpointDelay) { KeepAlive = false });
        return base.OnActivateAsync(cancellationToken);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        SaveStatuses();
        await Checkpoints.OnDeactivate(cancellationToken);
        await base.OnDeactivateAsync(reason, cancellationToken);
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
