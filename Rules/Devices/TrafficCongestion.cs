using CityControl.Devices;

namespace CityControl.Rules.Devices;

/// <summary>
/// Congestion from loop or video detector occupancy. Freeway and arterial practice puts the onset of congestion near
/// 15-20% occupancy and breakdown above 30%; above 50% queues sit on the detector.
/// </summary>
public static class TrafficCongestion
{
    public const double ModerateFrom = 15;
    public const double HeavyFrom = 30;
    public const double JammedFrom = 50;

    public static CongestionLevel Of(double occupancyPercent) => occupancyPercent switch
    {
        >= JammedFrom => CongestionLevel.Jammed,
        >= HeavyFrom => CongestionLevel.Heavy,
        >= ModerateFrom => CongestionLevel.Moderate,
        _ => CongestionLevel.Free,
    };
}
