using CityControl.Devices;
using CityControl.Rules.Geo;
using CityControl.Rules.Traffic;
using CityControl.Traffic;

namespace CityControl.Tests.Rules;

/// <summary>Who a junction serves first when emergency vehicles cross it.</summary>
public sealed class SignalPriorityTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    private static PriorityRequest Request(string id, string approach, int level, int etaSeconds, VehicleRole role = VehicleRole.Fire) =>
        new(id, id, role, level, approach, T0.AddSeconds(etaSeconds), TimeSpan.FromSeconds(30), "inc-1", T0);

    [Fact]
    public void Crossing_requests_go_by_importance_then_arrival_and_the_same_axis_is_served_together()
    {
        var decided = SignalPriority.Decide([
            Request("police-nb", "NB", 10, 20, VehicleRole.Police),
            Request("fire-eb", "EB", 12, 60),
            Request("ambulance-wb", "WB", 12, 90, VehicleRole.Ambulance),
        ]);

        // The fire engine outranks the police car though it arrives later; the ambulance shares the east-west axis.
        Assert.Equal(PriorityStatus.Granted, decided["fire-eb"].Status);
        Assert.Equal(PriorityStatus.Granted, decided["ambulance-wb"].Status);
        Assert.Equal(PriorityStatus.Queued, decided["police-nb"].Status);
        Assert.Equal("fire-eb", decided["police-nb"].Behind!.RequestId);
    }

    [Fact]
    public void At_equal_importance_the_earlier_arrival_goes_first_and_the_answer_says_why()
    {
        var late = Request("late-eb", "EB", 12, 90);
        var early = Request("early-sb", "SB", 12, 30);
        var decided = SignalPriority.Decide([late, early]);

        Assert.Equal(PriorityStatus.Granted, decided["early-sb"].Status);
        Assert.Equal(PriorityStatus.Queued, decided["late-eb"].Status);
        Assert.Contains("arrives first", SignalPriority.Describe(late, PriorityStatus.Queued, decided["late-eb"].Behind), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "NB")]
    [InlineData(44, "NB")]
    [InlineData(90, "EB")]
    [InlineData(180, "SB")]
    [InlineData(270, "WB")]
    [InlineData(-10, "NB")]
    public void The_approach_is_the_direction_of_travel(double heading, string approach) =>
        Assert.Equal(approach, SignalPriority.ApproachOf(heading));

    [Fact]
    public void A_routes_stops_have_the_approach_from_the_point_before_and_the_arrival_at_the_speed()
    {
        var origin = new GeoPoint(37.49, 126.89);
        var (_, toWgs) = GeoDistance.LocalProjection(origin);
        GeoPoint At(double east, double north) => toWgs.Transform([east, north]) is var p ? new GeoPoint(p[1], p[0]) : null!;

        // 36 km/h is 10 m/s: 500 m east, then 300 m north.
        var stops = SignalPriority.Plan(origin, [("a", At(500, 0)), ("b", At(500, 300))], 36, T0);

        Assert.Equal(("a", "EB"), (stops[0].SignalId, stops[0].InboundApproach));
        Assert.Equal(T0.AddSeconds(50), stops[0].Eta);
        Assert.Equal(("b", "NB"), (stops[1].SignalId, stops[1].InboundApproach));
        Assert.Equal(T0.AddSeconds(80), stops[1].Eta);
    }

    [Fact]
    public void A_request_runs_out_a_minute_after_its_arrival_and_duration()
    {
        var request = Request("r", "EB", 12, 60);
        Assert.False(SignalPriority.Expired(request, T0.AddSeconds(60 + 30 + 59)));
        Assert.True(SignalPriority.Expired(request, T0.AddSeconds(60 + 30 + 61)));
    }
}
