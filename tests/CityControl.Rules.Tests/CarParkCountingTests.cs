using System.Collections.Immutable;
using CityControl.Incidents;
using CityControl.Rules;
using CityControl.Rules.Incidents;
using CityControl.Rules.Video;
using CityControl.Video;

namespace CityControl.Tests.Rules;

/// <summary>A car park's vehicles by its entrance counts, and the entrance band's inner side as an admin sets it.</summary>
public sealed class CarParkCountingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 7, 15, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Counting_starts_at_zero_adds_the_ins_takes_the_outs_and_never_goes_below_zero()
    {
        var o = CarParkCounting.Count(null, CountDirection.In, "cam-1", T0);
        Assert.Equal((1, 1, 0, T0, 0), (o.Parked, o.In, o.Out, o.Since, o.Corrections));
        o = CarParkCounting.Count(o, CountDirection.In, "cam-1", T0.AddMinutes(1));
        o = CarParkCounting.Count(o, CountDirection.Out, "cam-2", T0.AddMinutes(2));
        Assert.Equal((1, 2, 1, "cam-2", T0.AddMinutes(2)), (o.Parked, o.In, o.Out, o.LastCamera, o.UpdatedAt));
        o = CarParkCounting.Count(o, CountDirection.Out, "cam-1", T0.AddMinutes(3));
        o = CarParkCounting.Count(o, CountDirection.Out, "cam-1", T0.AddMinutes(4)); // parked before counting began
        Assert.Equal((0, 2, 3, 1), (o.Parked, o.In, o.Out, o.Corrections));
        Assert.Equal("0 vehicles inside by the entrance count (2 in, 3 out since 2026-07-15 02:00 UTC, from the first count, by cam-1; 1 counted out of an empty car park)", Phrases.InEnglish(CarParkCounting.Describe(o)));
    }

    [Fact]
    public void A_number_someone_saw_restarts_the_count_from_it()
    {
        var seen = CarParkCounting.Set(7, "operator", T0);
        var after = CarParkCounting.Count(seen, CountDirection.Out, "cam-1", T0.AddMinutes(5));
        Assert.Equal((6, 0, 1, T0, "operator"), (after.Parked, after.In, after.Out, after.Since, after.SetBy));
        Assert.Equal("1 vehicle inside by the entrance count (0 in, 0 out since 2026-07-15 02:00 UTC, from operator)", Phrases.InEnglish(CarParkCounting.Describe(CarParkCounting.Set(1, "operator", T0))));
        Assert.NotNull(CarParkCounting.CheckSet(-1));
        Assert.NotNull(CarParkCounting.CheckSet(CarParkCounting.MaxParked + 1));
        Assert.Null(CarParkCounting.CheckSet(0));
    }

    [Theory]
    [InlineData(AnalyticsZoneKind.Count, 384, 40, null)]
    [InlineData(AnalyticsZoneKind.Count, 384, 200, "must lie beyond the band, on its inner side")]
    [InlineData(AnalyticsZoneKind.Count, -1, 40, "must be image pixels from 0 to")]
    [InlineData(AnalyticsZoneKind.Intrusion, 384, 40, "is for a counting zone only")]
    public void An_inner_side_is_a_point_beyond_a_counting_band(AnalyticsZoneKind kind, double x, double y, string? error)
    {
        var band = ImmutableArray.Create(new ImagePoint(0, 170), new ImagePoint(768, 170), new ImagePoint(768, 270), new ImagePoint(0, 270));
        var config = new CameraAnalyticsConfig([new AnalyticsZone("entrance", kind, band, InwardPoint: new ImagePoint(x, y))], []);
        var errors = AnalyticsRules.Validate(config);
        if (error is null)
        {
            Assert.Empty(errors);
        }
        else
        {
            var violation = Assert.Single(errors);
            Assert.Equal("zones[0].inwardPoint", violation.Field);
            Assert.Contains(error, violation.Message, StringComparison.Ordinal);
        }
    }
}
