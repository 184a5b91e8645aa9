using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Incidents;
using CityControl.Rules.Cap;

namespace CityControl.Tests.Rules;

/// <summary>Incidents to CAP 1.2 and external alerts to incidents, without XML.</summary>
public sealed class CapMappingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);

    private static IncidentDetail Leak(IncidentStatus status, bool confirmed) => new(
        new IncidentSummary("inc-1", IncidentType.ChemicalLeak, Priority.P1, status, "Chemical leak, plant-1", "Guro", "plant-1",
            new GeoPoint(37.485, 126.899), [Agency.Fire], T0, T0, 3, confirmed),
        ["gas-1", "gas-2"], [], [], [new SopStep(1, "Send fire", null, null)], [], null, "Opened by GasHigh", [], [], null, [], [], []);

    [Fact]
    public void A_confirmed_leaks_hazard_zone_is_the_alerts_polygon_with_the_chemical_and_shelter_beyond_a_kilometre()
    {
        var zone = CityControl.Rules.Hazards.HazardZoneRules.Compute(new CityControl.Rules.Hazards.HazardInputs(
            "Cl2", SpillSize.Large, new GeoPoint(37.485, 126.899), new DateTimeOffset(2026, 6, 1, 3, 0, 0, TimeSpan.Zero),
            new WindObservation("wx-1", 3, 270, T0), [], CityControl.Rules.Hazards.Terrain.Urban, 0.5, 1), 2)!;
        var message = new CapMessageRecord("inc-1.4", "cap@city", T0);

        var alert = CapMapping.ToAlert(Leak(IncidentStatus.Dispatched, confirmed: true) with { Hazard = zone }, message, [], "City");
        var unconfirmed = CapMapping.ToAlert(Leak(IncidentStatus.New, confirmed: false) with { Hazard = zone }, message, [], "City");

        Assert.Equal([zone.Outline], alert.Info!.Area!.Polygons.Select(p => p.ToImmutableArray()));
        Assert.Empty(alert.Info.Area.Circles);
        Assert.Equal("Shelter", alert.Info.ResponseType);
        Assert.Contains(new CapParameter("chemical", "Chlorine"), alert.Info.Parameters);
        Assert.Contains(new CapParameter("zone_version", "2"), alert.Info.Parameters);
        Assert.Contains("go indoors within 3.5 km east of the leak", alert.Info.Instruction, StringComparison.Ordinal);

        // Until the leak is confirmed the zone is not announced: the incident's circle stands.
        Assert.Empty(unconfirmed.Info!.Area!.Polygons);
    }

    [Fact]
    public void The_first_message_is_an_Alert_later_ones_Update_or_Cancel_and_reference_every_earlier_one()
    {
        var first = new CapMessageRecord("inc-1.1", "cap@city", T0);
        var second = new CapMessageRecord("inc-1.4", "cap@city", T0.AddMinutes(5));

        var alert = CapMapping.ToAlert(Leak(IncidentStatus.New, confirmed: false), first, [], "City");
        var update = CapMapping.ToAlert(Leak(IncidentStatus.Dispatched, confirmed: true), second, [first], "City");
        var cancel = CapMapping.ToAlert(Leak(IncidentStatus.FalseAlarm, confirmed: true), second with { Identifier = "inc-1.9" }, [first, second], "City");

        Assert.Equal(("Alert", "Likely", "Monitor"), (alert.MsgType, alert.Info!.Certainty, alert.Info.ResponseType));
        Assert.Empty(alert.References);
        Assert.Equal(("Update", "Observed", "Evacuate"), (update.MsgType, update.Info!.Certainty, update.Info.ResponseType));
        Assert.Equal([new CapReference("cap@city", "inc-1.1", T0)], update.References);
        Assert.Equal(("Cancel", "AllClear"), (cancel.MsgType, cancel.Info!.ResponseType));
        Assert.Equal(2, cancel.References.Count);
        Assert.Equal(("CBRNE", "Immediate", "Severe"), (alert.Info.Category, alert.Info.Urgency, alert.Info.Severity));
        Assert.Equal(new CapCircle(new GeoPoint(37.485, 126.899), 1.0), Assert.Single(alert.Info.Area!.Circles));
        Assert.Equal("1. Send fire.", alert.Info.Instruction);
    }

    [Fact]
    public void An_external_warning_opens_at_its_polygons_centroid_with_a_priority_from_its_severity()
    {
        ImmutableArray<GeoPoint> square = [new(37.0, 127.0), new(37.0, 127.2), new(37.2, 127.2), new(37.2, 127.0), new(37.0, 127.0)];
        var alert = new CapAlertMessage("w-1", "kma@weather", T0, "Actual", "Alert", "Public", null, [], null,
            new CapInfo("ko-KR", "Met", "Heavy rain", "Prepare", "Expected", "Severe", "Likely", null, "Heavy rain warning", "Rain", null, [],
                new CapArea("Seoul", [square], [new CapCircle(new GeoPoint(30, 120), 5)])));

        var opening = CapMapping.OpeningOf(alert, "Citywide", new GeoPoint(37.56, 126.97), "cap:kma@weather");
        var exercise = CapMapping.OpeningOf(alert with { Status = "Exercise" }, "Citywide", new GeoPoint(37.56, 126.97), "cap:kma@weather");

        Assert.Equal(new GeoPoint(37.1, 127.1), opening.Location);
        Assert.Equal((Priority.P1, "Heavy rain warning", "Seoul"), (opening.Priority, opening.Title, opening.Zone));
        Assert.Equal((Priority.P4, "[Exercise] Heavy rain warning"), (exercise.Priority, exercise.Title));
        Assert.Equal(CapMapping.IncidentIdOf("kma@weather", "w-1"), CapMapping.IncidentIdOf("kma@weather", "w-1"));
        Assert.NotEqual(CapMapping.IncidentIdOf("kma@weather", "w-1"), CapMapping.IncidentIdOf("kma@weather", "w-2"));
    }

    [Theory]
    [InlineData("Extreme", Priority.P1)]
    [InlineData("Severe", Priority.P1)]
    [InlineData("Moderate", Priority.P2)]
    [InlineData("Minor", Priority.P3)]
    [InlineData("Unknown", Priority.P4)]
    public void Severity_gives_priority(string severity, Priority expected) => Assert.Equal(expected, CapMapping.PriorityOf(severity));

    [Fact]
    public void An_area_with_only_a_circle_is_centred_on_it_and_none_has_no_centre()
    {
        Assert.Equal(new GeoPoint(35, 129), CapMapping.CentreOf(new CapArea("x", [], [new CapCircle(new GeoPoint(35, 129), 2)])));
        Assert.Null(CapMapping.CentreOf(new CapArea("x", [], [])));
        Assert.Null(CapMapping.CentreOf(null));
    }
}
