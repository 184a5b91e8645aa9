using CityControl.Devices;
using CityControl.Rules.Devices;

namespace CityControl.Tests.Rules;

/// <summary>A signal's live state as the traffic view shows it, built from its detectors' readings.</summary>
public sealed class LiveStateRulesTests
{
    private static readonly DeviceDefinition Signal = new("sig-1", DeviceKind.TrafficSignal, "Signal 1", new GeoPoint(37.5, 126.9),
        "Guro", "corridor", TimeSpan.FromMinutes(2), TrafficSignal: new TrafficSignalSettings(120, [], null));

    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);

    private static LiveState Apply(LiveState live, string metric, double value, string unit) =>
        LiveStateRules.Apply(Signal, live, new Reading(T0, metric, value, unit));

    [Theory]
    [InlineData(14.9, CongestionLevel.Free)]
    [InlineData(15, CongestionLevel.Moderate)]
    [InlineData(30, CongestionLevel.Heavy)]
    [InlineData(50, CongestionLevel.Jammed)]
    public void An_approach_occupancy_gives_its_congestion_by_the_thresholds(double occupancy, CongestionLevel expected)
    {
        var live = Apply(new LiveState(), "occupancy.EB", occupancy, "%");

        Assert.Equal(new ApproachState(occupancy, null, expected), live.Traffic!.EB);
        Assert.Equal(expected, live.Traffic.Worst);
        Assert.Null(live.Traffic.NB);
    }

    [Fact]
    public void The_worst_approach_follows_each_report_and_volume_keeps_the_occupancy()
    {
        var live = Apply(new LiveState(), "occupancy.EB", 64, "%");
        live = Apply(live, "occupancy.NB", 20, "%");
        live = Apply(live, "volume.EB", 31, "veh");
        Assert.Equal(CongestionLevel.Jammed, live.Traffic!.Worst);
        Assert.Equal(new ApproachState(64, 31, CongestionLevel.Jammed), live.Traffic.EB);

        live = Apply(live, "occupancy.EB", 10, "%");
        Assert.Equal(CongestionLevel.Moderate, live.Traffic!.Worst);
    }

    [Fact]
    public void A_phase_or_load_change_is_shown_on_screens_but_is_not_a_meaningful_change()
    {
        var before = Apply(Apply(new LiveState(), "phase", 2, "phase"), "occupancy.EB", 12, "%");
        var phase = Apply(before, "phase", 4, "phase");
        var load = Apply(before, "occupancy.EB", 13, "%");
        var same = Apply(before, "occupancy.EB", 12, "%");
        var mode = Apply(before, "mode", (int)SignalMode.Flash, "code");

        Assert.True(LiveStateRules.IsDisplayedChange(before, phase));
        Assert.True(LiveStateRules.IsDisplayedChange(before, load));
        Assert.False(LiveStateRules.IsDisplayedChange(before, same));
        Assert.False(LiveStateRules.IsMeaningfulChange(before, phase));
        Assert.False(LiveStateRules.IsMeaningfulChange(before, load));
        Assert.True(LiveStateRules.IsMeaningfulChange(before, mode));
    }

    [Theory]
    [InlineData("occupancy.NE")]
    [InlineData("speed.EB")]
    [InlineData("occupancy")]
    public void Other_metrics_leave_the_traffic_load_alone(string metric) =>
        Assert.Null(Apply(new LiveState(), metric, 40, "%").Traffic);
}
