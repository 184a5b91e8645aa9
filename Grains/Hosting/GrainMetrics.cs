using System.Diagnostics.Metrics;
using CityControl.Devices;
using CityControl.Incidents;

namespace CityControl.Grains.Hosting;

/// <summary>What the grains count for the platform's meter: alarms raised by condition, incidents opened by type.</summary>
public sealed class GrainMetrics(IMeterFactory meters)
{
    private readonly Counter<long> _alarms = meters.Create(PlatformMetrics.Meter)
        .CreateCounter<long>("citycontrol.alarms.raised", description: "Alarms raised by devices, by condition");

    private readonly Counter<long> _incidents = meters.Create(PlatformMetrics.Meter)
        .CreateCounter<long>("citycontrol.incidents.opened", description: "Incidents opened, by type");

    public void AlarmRaised(AlarmCondition condition) => _alarms.Add(1, new KeyValuePair<string, object?>("condition", condition.ToString()));

    public void IncidentOpened(IncidentType type) => _incidents.Add(1, new KeyValuePair<string, object?>("type", type.ToString()));
}
