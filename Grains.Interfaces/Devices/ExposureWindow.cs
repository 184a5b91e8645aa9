namespace CityControl.Alarms;

/// <summary>
/// What the exposure rules (<c>CityControl.Rules.Alarms.Exposure</c>) remember of a gas's recent concentrations: one-minute
/// bins of concentration x time, and the readings of the last 15 minutes. Part of a device's persisted state.
/// </summary>
[GenerateSerializer, Alias("citycontrol.exposure-window.v1")]
public sealed class ExposureWindow
{
    [Id(0)] public List<long> Bins { get; set; } = [];
    [Id(1)] public List<double> Integrals { get; set; } = [];
    [Id(2)] public List<DateTimeOffset> Times { get; set; } = [];
    [Id(3)] public List<double> Values { get; set; } = [];
}
