using CityControl.Devices;

namespace CityControl.Alarms;

/// <summary>What the alarm rules remember between readings; part of the device's persisted state.</summary>
[GenerateSerializer, Alias("citycontrol.alarm-rule-state.v1")]
public sealed class AlarmRuleState
{
    /// <summary>Active conditions and since when.</summary>
    [Id(0)] public Dictionary<AlarmCondition, ActiveAlarm> Active { get; set; } = [];

    /// <summary>Conditions above their set-point but still inside their delay-on, and since when.</summary>
    [Id(1)] public Dictionary<AlarmCondition, DateTimeOffset> Pending { get; set; } = [];

    [Id(2)] public ExposureWindow Exposure { get; set; } = new();

    /// <summary>Recent (time, value) of the rising metric, for rate of rise.</summary>
    [Id(3)] public List<DateTimeOffset> RecentTimes { get; set; } = [];
    [Id(4)] public List<double> RecentValues { get; set; } = [];

    /// <summary>The value a flatline is measured against and since when it has not changed.</summary>
    [Id(5)] public double? SteadyValue { get; set; }
    [Id(6)] public DateTimeOffset SteadySince { get; set; }

    /// <summary>The newest reading time the rules have seen, per metric: older readings are history, not news.</summary>
    [Id(7)] public Dictionary<string, DateTimeOffset> LastEvaluated { get; set; } = [];

    /// <summary>The signal phase last reported and since when.</summary>
    [Id(8)] public int? Phase { get; set; }
    [Id(9)] public DateTimeOffset PhaseSince { get; set; }

    /// <summary>When the exposure averages were last compared with their limits.</summary>
    [Id(10)] public DateTimeOffset? ExposureCheckedAt { get; set; }
}
