using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Incidents;
using CityControl.Rules.Geo;
using CityControl.Rules.Hazards;

namespace CityControl.Tests.Rules;

/// <summary>A confirmed leak's hazard zone: ERG's distances, the wind's turn of the protective-action square, and the Gaussian plume.</summary>
public sealed class HazardZoneRulesTests
{
    /// <summary>The Guro industrial complex, Seoul.</summary>
    private static readonly GeoPoint Source = new(37.4850, 126.8950);

    /// <summary>Noon in Seoul (KST is UTC+9) on the first of June, and two in the morning.</summary>
    private static readonly DateTimeOffset Noon = new(2026, 6, 1, 3, 0, 0, TimeSpan.Zero);

    private static readonly DateTimeOffset Night = new(2026, 6, 1, 17, 0, 0, TimeSpan.Zero);

    /// <summary>ERG 2008 Table 1 as printed: isolation (m), then protect by day and by night (km), small then large spills.</summary>
    [Theory]
    [InlineData("NH3", 1005, 30, 0.1, 0.2, 150, 0.8, 2.0)]
    [InlineData("Cl2", 1017, 60, 0.4, 1.6, 600, 3.5, 8.0)]
    [InlineData("HCl", 1050, 30, 0.1, 0.3, 185, 1.6, 4.3)]
    [InlineData("H2S", 1053, 30, 0.1, 0.4, 215, 1.4, 4.3)]
    [InlineData("SO2", 1079, 100, 0.7, 2.2, 1000, 6.1, 11.0)]
    public void Each_gas_has_the_guidebooks_distances_for_each_spill_size_by_day_and_night(
        string gas, int un, double smallIsolate, double smallDay, double smallNight, double largeIsolate, double largeDay, double largeNight)
    {
        var entry = ErgTable.Find(gas)!;
        Assert.Equal(un, entry.UnNumber);
        Assert.Equal((smallIsolate, smallDay * 1000), ErgTable.Distances(entry, SpillSize.Small, daytime: true));
        Assert.Equal((smallIsolate, smallNight * 1000), ErgTable.Distances(entry, SpillSize.Small, daytime: false));
        Assert.Equal((largeIsolate, largeDay * 1000), ErgTable.Distances(entry, SpillSize.Large, daytime: true));
        Assert.Equal((largeIsolate, largeNight * 1000), ErgTable.Distances(entry, SpillSize.Large, daytime: false));
    }

    [Fact]
    public void A_gas_the_table_does_not_list_gives_no_zone()
    {
        Assert.Null(ErgTable.Find("CH4"));
        Assert.Null(HazardZoneRules.Compute(Inputs("CH4", Wind(270)), 1));
    }

    [Fact]
    public void The_zone_uses_day_or_night_by_the_sun_at_the_source()
    {
        var day = HazardZoneRules.Compute(Inputs("Cl2", Wind(270), at: Noon), 1)!;
        var night = HazardZoneRules.Compute(Inputs("Cl2", Wind(270), at: Night), 1)!;
        Assert.True(day.Daytime);
        Assert.Equal(3500, day.ProtectiveMeters);
        Assert.False(night.Daytime);
        Assert.Equal(8000, night.ProtectiveMeters);
    }

    [Fact]
    public void A_westerly_puts_the_protective_square_east_of_the_source_its_length_the_tables_distance()
    {
        // Chlorine, large spill, by day: isolate 600 m, protect 3.5 km downwind; a 3 m/s wind from the west blows east.
        var zone = HazardZoneRules.Compute(Inputs("Cl2", Wind(270)), 1)!;
        var (east, west, north, south) = Extents(zone);

        Assert.Equal(3500, east, 3500 * 0.01);
        Assert.Equal(600, west, 600 * 0.01);
        Assert.Equal(1750, north, 1750 * 0.01);
        Assert.Equal(1750, south, 1750 * 0.01);
        Assert.Equal(zone.Outline[0], zone.Outline[^1]);
        Assert.Contains("3.5 km downwind", zone.Basis);
    }

    [Fact]
    public void The_zone_follows_a_wind_shift_and_a_small_turn_is_not_a_new_version()
    {
        var westerly = HazardZoneRules.Compute(Inputs("Cl2", Wind(270)), 1)!;
        var northerly = HazardZoneRules.Compute(Inputs("Cl2", Wind(0)), 2)!;
        var (east, _, _, south) = Extents(northerly);

        Assert.Equal(3500, south, 35.0);
        Assert.Equal(1750, east, 17.5);
        Assert.True(HazardZoneRules.IsNewVersion(westerly, northerly));
        Assert.False(HazardZoneRules.IsNewVersion(westerly, HazardZoneRules.Compute(Inputs("Cl2", Wind(275)), 2)!));
        Assert.True(HazardZoneRules.IsNewVersion(westerly, HazardZoneRules.Compute(Inputs("Cl2", Wind(282)), 2)!));
    }

    [Fact]
    public void Without_wind_the_protective_distance_is_drawn_all_round()
    {
        var zone = HazardZoneRules.Compute(Inputs("NH3", null, spill: SpillSize.Large), 1)!;
        var (east, west, north, south) = Extents(zone);
        foreach (var extent in new[] { east, west, north, south })
        {
            Assert.Equal(800, extent, 8.0);
        }

        Assert.Contains("no wind", zone.Basis);
    }

    /// <summary>
    /// Hand calculation, Q = 100 g/s, u = 3 m/s, class D, open country (Briggs):
    /// at 500 m σy = 0.08·500/√1.05 = 39.036 m, σz = 0.06·500/√1.75 = 22.678 m, C = 100/(π·3·39.036·22.678) = 0.011986 g/m³;
    /// at 2 km σy = 160/√1.2 = 146.06 m, σz = 120/√4 = 60 m, C = 100/(π·3·146.06·60) = 0.0012107 g/m³.
    /// City (Briggs urban D) at 500 m: σy = 80/√1.2 = 73.030 m, σz = 70/√1.15 = 65.275 m, C = 0.0022258 g/m³.
    /// </summary>
    [Theory]
    [InlineData(500, Terrain.Rural, 0.011986)]
    [InlineData(2000, Terrain.Rural, 0.0012107)]
    [InlineData(500, Terrain.Urban, 0.0022258)]
    [InlineData(2000, Terrain.Urban, 0.00020096)]
    public void The_plumes_centreline_concentration_matches_a_hand_calculation(double x, Terrain terrain, double expected)
    {
        var c = GaussianPlume.Concentration(100, 3, x, 0, StabilityClass.D, terrain);
        Assert.Equal(expected, c, expected * 0.001);
    }

    [Fact]
    public void Off_the_axis_the_concentration_falls_as_the_gaussian_and_upwind_it_is_nothing()
    {
        var axis = GaussianPlume.Concentration(100, 3, 500, 0, StabilityClass.D, Terrain.Rural);

        // One σy (39.036 m) off the axis: exp(-1/2) of the axis value.
        Assert.Equal(axis * Math.Exp(-0.5), GaussianPlume.Concentration(100, 3, 500, 39.036, StabilityClass.D, Terrain.Rural), axis * 1e-4);
        Assert.Equal(0, GaussianPlume.Concentration(100, 3, -500, 0, StabilityClass.D, Terrain.Rural));
    }

    [Theory]
    [InlineData(3.0, 70, null, null, StabilityClass.B)]
    [InlineData(1.5, 70, null, null, StabilityClass.A)]
    [InlineData(4.0, 45, null, null, StabilityClass.C)]
    [InlineData(7.0, 20, null, null, StabilityClass.D)]
    [InlineData(2.5, -10, 2.0, null, StabilityClass.F)]
    [InlineData(2.5, -10, 6.0, null, StabilityClass.E)]
    [InlineData(4.0, -10, 1.0, null, StabilityClass.E)]
    [InlineData(1.5, 70, 8.0, null, StabilityClass.D)]
    [InlineData(1.5, 70, 6.0, null, StabilityClass.B)]
    [InlineData(1.5, 20, null, 900.0, StabilityClass.A)]
    public void Stability_follows_Turners_table(double wind, double sunElevation, double? cloud, double? radiation, StabilityClass expected) =>
        Assert.Equal(expected, Stability.Of(wind, sunElevation, cloud, radiation));

    [Fact]
    public void The_suns_elevation_at_Seouls_midsummer_noon_is_ninety_less_latitude_plus_the_tilt()
    {
        // Solar noon at 126.98°E on 21 June: 12:00 less 126.98 × 4 min, less the equation of time (-1.7 min) = 03:34 UTC.
        var elevation = SolarPosition.ElevationDegrees(37.566, 126.978, new DateTimeOffset(2026, 6, 21, 3, 34, 0, TimeSpan.Zero));
        Assert.Equal(90 - 37.566 + 23.44, elevation, 0.5);
        Assert.False(SolarPosition.IsDaytime(37.566, 126.978, new DateTimeOffset(2026, 6, 21, 15, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void A_detector_downwind_gives_the_release_rate_and_the_low_contour_widens_the_zone()
    {
        // Chlorine, small spill by day (protect 400 m). A detector 1 km east, on the axis of a 3 m/s westerly, at noon
        // in June (class B in town): the release that explains its reading is the one that was put in.
        var detector = Offset(Source, east: 1000, north: 0);
        var stability = Stability.Of(3, SolarPosition.ElevationDegrees(Source.Latitude, Source.Longitude, Noon), null, null);
        Assert.Equal(StabilityClass.B, stability);
        var grams = GaussianPlume.Concentration(500, 3, 1000, 0, stability, Terrain.Urban);
        var ppm = CityControl.Rules.Devices.GasCatalog.Convert(grams * 1000, "mg/m3", "ppm", "Cl2")!.Value;

        var zone = HazardZoneRules.Compute(Inputs("Cl2", Wind(270), spill: SpillSize.Small,
            readings: [new GasReadingAt("gas-2", detector, ppm)], low: 0.5, high: 1), 1)!;

        Assert.NotNull(zone.Plume);
        Assert.Equal("gas-2", zone.Plume.EstimatedFrom);
        Assert.Equal(500, zone.Plume.ReleaseGramsPerSecond, 0.5);
        var low = zone.Plume.Contours.Single(c => c.Level == "low");
        var high = zone.Plume.Contours.Single(c => c.Level == "high");
        Assert.True(low.ReachMeters > high.ReachMeters);
        var threshold = CityControl.Rules.Devices.GasCatalog.Convert(0.5, "ppm", "mg/m3", "Cl2")!.Value / 1000;
        Assert.Equal(GaussianPlume.ReachMeters(500, 3, threshold, stability, Terrain.Urban), low.ReachMeters, 1.0);

        // The low contour reaches past ERG's 400 m square, so the zone is widened to it.
        var (east, _, _, _) = Extents(zone);
        Assert.True(low.ReachMeters > 400);
        Assert.Equal(low.ReachMeters, east, low.ReachMeters * 0.01);
        Assert.Contains("widened", zone.Basis);
    }

    [Fact]
    public void Only_cameras_that_look_at_the_zone_are_attached_and_signals_get_plans_by_where_they_stand()
    {
        var zone = HazardZoneRules.Compute(Inputs("Cl2", Wind(270)), 1)!;
        var cameras = new (string, GeoPoint, CameraSettings?)[]
        {
            ("cam-inside", Offset(Source, 1000, 0), null),
            ("cam-west-looking-west", Offset(Source, -1500, 0), new CameraSettings(null, 270, 60, 300)),
            ("cam-south-looking-north", Offset(Source, 1500, -2000), new CameraSettings(null, 0, 60, 400)),
            ("cam-south-looking-south", Offset(Source, 1500, -2000), new CameraSettings(null, 180, 60, 400)),
        };
        Assert.Equal(["cam-inside", "cam-south-looking-north"], HazardZoneRules.CamerasViewing(zone, cameras));

        var plans = HazardZoneRules.SignalPlans(zone, [
            ("sig-inside", Offset(Source, 2000, 500)),
            ("sig-entry", Offset(Source, 2000, 1950)),
            ("sig-far", Offset(Source, 2000, 3000)),
        ]);
        Assert.Equal([("sig-entry", SignalPlan.Closure), ("sig-inside", SignalPlan.Evacuation)], plans.Select(p => (p.Id, p.Plan)));
        Assert.Equal(200, plans.Single(p => p.Id == "sig-entry").DistanceMeters, 5.0);
    }

    [Fact]
    public void Several_detectors_at_the_high_set_point_or_one_at_full_scale_make_a_large_spill()
    {
        GasReadingAt At(string id, double ppm, bool full = false) => new(id, Source, ppm, full);
        Assert.Equal(SpillSize.Small, HazardZoneRules.SpillOf([At("a", 30), At("b", 30)], 25));
        Assert.Equal(SpillSize.Large, HazardZoneRules.SpillOf([At("a", 30), At("b", 30), At("c", 26)], 25));
        Assert.Equal(SpillSize.Large, HazardZoneRules.SpillOf([At("a", 5, full: true)], 25));
    }

    private static WindObservation Wind(double from, double speed = 3) => new("wx-1", speed, from, Noon);

    private static HazardInputs Inputs(string gas, WindObservation? wind, SpillSize spill = SpillSize.Large, DateTimeOffset? at = null,
        IReadOnlyList<GasReadingAt>? readings = null, double? low = null, double? high = null) =>
        new(gas, spill, Source, at ?? Noon, wind, readings ?? [], Terrain.Urban, low, high);

    /// <summary>How far the outline reaches east, west, north and south of the source, in metres.</summary>
    private static (double East, double West, double North, double South) Extents(HazardZone zone)
    {
        var xy = zone.Outline.Select(p =>
        {
            var d = GeoDistance.Meters(zone.Source, p);
            var b = GeoDistance.BearingDegrees(zone.Source, p) * Math.PI / 180;
            return (X: d * Math.Sin(b), Y: d * Math.Cos(b));
        }).ToList();
        return (xy.Max(p => p.X), -xy.Min(p => p.X), xy.Max(p => p.Y), -xy.Min(p => p.Y));
    }

    private static GeoPoint Offset(GeoPoint origin, double east, double north)
    {
        var (_, toWgs) = GeoDistance.LocalProjection(origin);
        var p = toWgs.Transform([east, north]);
        return new GeoPoint(p[1], p[0]);
    }
}
