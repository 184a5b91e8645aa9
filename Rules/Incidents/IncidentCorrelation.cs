using CityControl.Devices;
using CityControl.Incidents;
using CityControl.Rules.Geo;

namespace CityControl.Rules.Incidents;

/// <summary>How alarms join incidents, from <c>CityControl:Incidents</c>.</summary>
public sealed class CorrelationOptions
{
    public const string Section = "CityControl:Incidents";

    /// <summary>An alarm joins an open incident of its type in the same zone or within this distance.</summary>
    public double RadiusMeters { get; set; } = 500;

    /// <summary>... if that incident saw an alarm within this time.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Distinct gas sensors in alarm that confirm a leak (one at High always does).</summary>
    public int SensorsToConfirmLeak { get; set; } = 2;

    /// <summary>An incident nobody acknowledges rises one priority every this long (see <see cref="IncidentEscalation"/>).</summary>
    public TimeSpan EscalationStep { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How many of the cameras nearest an incident its police or fire dispatchers are granted...</summary>
    public int VideoGrantCameras { get; set; } = 4;

    /// <summary>... within this distance ...</summary>
    public double VideoGrantRadiusMeters { get; set; } = 1000;

    /// <summary>... for at most this long (the grants end earlier when the incident does).</summary>
    public TimeSpan VideoGrantLifetime { get; set; } = TimeSpan.FromHours(12);
}

/// <summary>Decides whether an alarm belongs to an incident already open.</summary>
public static class IncidentCorrelation
{
    public static OpenIncident? FindMatch(IEnumerable<OpenIncident> open, AlarmSignal alarm, IncidentType type, CorrelationOptions options) =>
        open
            .Where(i => i.Type == type && alarm.Transition.At - i.LastAlarmAt <= options.Window)
            .Select(i => (Incident: i, SameZone: string.Equals(i.Zone, alarm.Zone, StringComparison.OrdinalIgnoreCase), Distance: GeoDistance.Meters(i.Location, alarm.Location)))
            .Where(x => x.SameZone || x.Distance <= options.RadiusMeters)
            .OrderByDescending(x => x.SameZone)
            .ThenBy(x => x.Distance)
            .Select(x => x.Incident)
            .FirstOrDefault();
}
