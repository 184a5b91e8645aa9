using CityControl.Devices;

namespace CityControl.Rules.Incidents;

/// <summary>
/// One alarm of one device: the key under which the correlator routes it and an incident links it. Its text form
/// (<c>device|condition</c>) is what persisted state stores, so it must not change.
/// </summary>
public readonly record struct AlarmKey(string DeviceId, AlarmCondition Condition)
{
    public override string ToString() => $"{DeviceId}|{Condition}";

    public static string Of(string deviceId, AlarmCondition condition) => new AlarmKey(deviceId, condition).ToString();
}
