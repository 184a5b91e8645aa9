using CityControl.Devices;

namespace CityControl.Rules.Devices;

/// <summary>What a map marker shows of a device, kept current from its events.</summary>
public static class DeviceStatuses
{
    public static DeviceStatus Of(DeviceSnapshot device) => new(
        device.Definition.Id,
        device.Live,
        device.Connectivity,
        [.. (device.ActiveAlarms ?? []).Select(a => a.Condition).Order()],
        device.LastSeen);

    /// <summary>The status after an event of this device: its live state and connectivity as the event carries them, its alarms raised or cleared.</summary>
    public static DeviceStatus After(this DeviceStatus status, DeviceEvent e) => status with
    {
        Live = e.Live ?? status.Live,
        Connectivity = e.Connectivity ?? status.Connectivity,
        ActiveAlarms = e.Alarm is not { } alarm ? status.ActiveAlarms
            : alarm.Active ? [.. status.ActiveAlarms.Append(alarm.Condition).Distinct().Order()]
            : status.ActiveAlarms.Remove(alarm.Condition),
    };
}
