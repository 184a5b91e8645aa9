using CityControl.Incidents;

namespace CityControl.Rules.Incidents;

/// <summary>ISA-18.2 alarm states: how an alarm moves when its condition changes and when an operator acknowledges it.</summary>
public static class AlarmLifecycle
{
    /// <summary>The condition became active (true) or returned to normal (false).</summary>
    public static AlarmState Next(AlarmState current, bool active) => (current, active) switch
    {
        (AlarmState.Shelved or AlarmState.SuppressedByDesign or AlarmState.OutOfService, _) => current,
        (_, true) => AlarmState.Unacknowledged,
        (AlarmState.Unacknowledged, false) => AlarmState.ReturnedToNormalUnacknowledged,
        (AlarmState.Acknowledged, false) => AlarmState.Normal,
        _ => current,
    };

    public static AlarmState Acknowledge(AlarmState current) => current switch
    {
        AlarmState.Unacknowledged => AlarmState.Acknowledged,
        AlarmState.ReturnedToNormalUnacknowledged => AlarmState.Normal,
        _ => current,
    };
}
