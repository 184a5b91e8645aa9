using CityControl.Devices;
using CityControl.Incidents;
using CityControl.Rules.Incidents;

namespace CityControl.Tests.Rules;

/// <summary>An incident from a telephone call: what a call taker must write down, and what it opens.</summary>
public sealed class CallIntakeTests
{
    private static readonly CallReport Good = new(IncidentType.RoadAccident, null, new GeoPoint(37.4871, 126.8953), "Guro", "Digital-ro 300",
        "Kim Minji", "+82 10-1234-5678", "Two cars, one person trapped");

    [Fact]
    public void A_complete_call_opens_a_road_accident_for_police_fire_and_traffic_at_P2_with_the_caller_on_it()
    {
        Assert.Empty(CallIntake.Check(Good));
        var at = new DateTimeOffset(2026, 11, 27, 4, 0, 0, TimeSpan.Zero);

        var opening = CallIntake.OpeningOf(Good, at, "operator");

        Assert.Equal((IncidentType.RoadAccident, Priority.P2, "Road accident, Digital-ro 300, Guro"), (opening.Type, opening.Priority, opening.Title));
        Assert.Equal("Call from Kim Minji, +82 10-1234-5678 taken by operator: Two cars, one person trapped", opening.Description);
        Assert.Equal((at, "operator", "Guro"), (opening.At, opening.OpenedBy, opening.District));
        Assert.Equal([Agency.Police, Agency.Fire, Agency.Traffic], IncidentCatalog.AgenciesOf(opening.Type));
    }

    [Fact]
    public void The_call_takers_priority_stands_and_a_call_without_place_or_caller_still_opens()
    {
        var opening = CallIntake.OpeningOf(Good with { Priority = Priority.P1, Zone = null, CallerName = null, CallerPhone = null }, DateTimeOffset.UnixEpoch, "fire");
        Assert.Equal((Priority.P1, "Road accident, reported by call, Guro"), (opening.Priority, opening.Title));
        Assert.StartsWith("Call taken by fire: ", opening.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(IncidentType.Fire, Priority.P1)]
    [InlineData(IncidentType.ChemicalLeak, Priority.P1)]
    [InlineData(IncidentType.Flood, Priority.P2)]
    [InlineData(IncidentType.Intrusion, Priority.P2)]
    [InlineData(IncidentType.StoppedVehicle, Priority.P3)]
    public void Life_and_spreading_danger_come_first(IncidentType type, Priority expected) => Assert.Equal(expected, CallIntake.PriorityOf(type));

    [Theory]
    [InlineData(IncidentType.ExternalWarning)]
    [InlineData(IncidentType.EquipmentFault)]
    [InlineData(IncidentType.CameraTampering)]
    public void A_call_does_not_open_what_only_a_system_reports(IncidentType type) =>
        Assert.Equal(["type"], CallIntake.Check(Good with { Type = type }).Select(e => e.Field));

    [Fact]
    public void A_called_in_leak_names_its_toxic_gas_and_spill_and_other_calls_may_not()
    {
        var leak = Good with { Type = IncidentType.ChemicalLeak, Chemical = "nh3", Spill = SpillSize.Large };
        Assert.Empty(CallIntake.Check(leak));
        var opening = CallIntake.OpeningOf(leak, DateTimeOffset.UnixEpoch, "fire");
        Assert.Equal(("NH3", SpillSize.Large), (opening.Chemical, opening.Spill));
        Assert.EndsWith("Reported: Ammonia, anhydrous (NH3), large spill.", opening.Description, StringComparison.Ordinal);

        // A chemical without a spill size is a small spill; no chemical, no hazard inputs.
        Assert.Equal(SpillSize.Small, CallIntake.OpeningOf(leak with { Spill = null }, DateTimeOffset.UnixEpoch, "fire").Spill);
        Assert.Equal((null, null), (CallIntake.OpeningOf(leak with { Chemical = null, Spill = null }, DateTimeOffset.UnixEpoch, "fire") is var o ? (o.Chemical, o.Spill) : default));

        Assert.Equal(["chemical"], CallIntake.Check(leak with { Chemical = "CH4" }).Select(e => e.Field));
        Assert.Equal(["chemical", "spill"], CallIntake.Check(Good with { Chemical = "Cl2", Spill = SpillSize.Small }).Select(e => e.Field));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("12")]
    [InlineData("010-1234-5678-9999-0000")]
    [InlineData("010\n1234")]
    public void A_phone_that_is_not_a_number_is_named(string phone) =>
        Assert.Equal(["caller.phone"], CallIntake.Check(Good with { CallerPhone = phone }).Select(e => e.Field));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void A_blank_phone_is_no_phone(string phone) => Assert.Empty(CallIntake.Check(Good with { CallerPhone = phone }));

    [Fact]
    public void Each_missing_or_overlong_field_is_named_with_its_rule()
    {
        var errors = CallIntake.Check(Good with
        {
            Location = new GeoPoint(double.NaN, 200), District = " ", Description = new string('x', CallIntake.MaxDescription + 1),
            CallerName = "bell\u0007", Zone = new string('z', CallIntake.MaxPlace + 1),
        }).ToDictionary(e => e.Field, e => e.Message);

        Assert.Equal(["caller.name", "description", "district", "location.latitude", "location.longitude", "zone"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("must not contain control characters", errors["caller.name"]);
        Assert.Equal("is required", errors["district"]);
        Assert.Equal($"must be at most {CallIntake.MaxDescription} characters", errors["description"]);
    }
}
