using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Incidents;
using CityControl.Rules.Hazards;

namespace CityControl.Tests.Domain;

/// <summary>What the public is told, in English by default and in Korean where the city's residents read Korean.</summary>
public sealed class PublicMessagesTests
{
    private static readonly DateTimeOffset Night = new(2026, 11, 28, 2, 0, 0, TimeSpan.Zero);

    private static HazardZone Zone(double protective, WindObservation? wind) => new(
        1, Night, "NH3", "Ammonia, anhydrous", 1005, SpillSize.Small, false, new GeoPoint(37.48, 126.89), wind, 30, protective,
        ImmutableArray<GeoPoint>.Empty, null, "ERG 2008");

    [Fact]
    public void A_small_ammonia_leak_at_night_with_a_west_wind_tells_people_east_of_it_to_leave_in_either_language()
    {
        var zone = Zone(800, new WindObservation("wx-1", 3, 270, Night));

        Assert.Equal(
            "Toxic gas (ammonia) leak. Keep 30 m away from the leak; leave the area within 800 m east of the leak, moving across the wind. Follow the instructions of fire and police.",
            PublicMessages.Instruction(zone, "en"));
        Assert.Equal(
            "유독가스(암모니아) 누출. 누출 지점에서 30 m 이상 떨어지십시오. 누출 지점 동쪽 800 m 이내에서는 바람을 가로질러 대피하십시오. 소방과 경찰의 지시에 따르십시오.",
            PublicMessages.Instruction(zone, "ko"));
        Assert.Equal("AMMONIA LEAK / LEAVE AREA east", PublicMessages.SignText(zone, "en"));
        Assert.Equal("암모니아 누출 / 대피 동쪽", PublicMessages.SignText(zone, "ko"));
    }

    [Fact]
    public void A_large_zone_without_wind_tells_people_to_shelter_indoors()
    {
        var zone = Zone(2500, null);

        Assert.Contains("go indoors within 2.5 km of the leak", PublicMessages.Instruction(zone, "en"), StringComparison.Ordinal);
        Assert.Contains("누출 지점 2.5 km 이내에서는 실내로 들어가 창문과 문을 닫고 환기 장치를 끄십시오.", PublicMessages.Instruction(zone, "ko"), StringComparison.Ordinal);
        Assert.Equal("암모니아 누출 / 실내 대피", PublicMessages.SignText(zone, "ko"));
    }

    [Fact]
    public void Drivers_texts_are_signed_by_the_configured_control_centre()
    {
        Assert.Equal(
            "[Riverside car park 1] Flood warning: the river is rising and the car park closes now. Move your vehicle out at once if it is safe to do so. - Busan control centre",
            PublicMessages.CarParkClosing("Riverside car park 1", "Busan control centre", "en"));
        Assert.EndsWith("주차장을 다시 개방합니다. - 서울특별시 통합관제센터", PublicMessages.CarParkReopened("여의도 1주차장", "서울특별시 통합관제센터", "ko"), StringComparison.Ordinal);
    }
}
