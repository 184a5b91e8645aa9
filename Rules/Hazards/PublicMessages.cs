using System.Globalization;
using CityControl.Incidents;

namespace CityControl.Rules.Hazards;

/// <summary>
/// What the public is told, in the language the city's residents read (<see cref="PublicMessageOptions"/>): the
/// loudspeakers' and message signs' words about a hazard zone, and the texts to a car park's registered drivers. The
/// CAP alert keeps its English instruction (its info block says en-US).
/// </summary>
public static class PublicMessages
{
    public const string English = "en";
    public const string Korean = "ko";

    public static readonly IReadOnlyList<string> Languages = [English, Korean];

    /// <summary>The spoken instruction for a hazard zone.</summary>
    public static string Instruction(HazardZone zone, string language)
    {
        if (language != Korean)
        {
            return HazardMessages.Instruction(zone);
        }

        var material = KoreanMaterial(zone.Material);
        var where = HazardMessages.Toward(zone) is { } toward
            ? $"누출 지점 {KoreanCompass(toward)}쪽 {Km(zone.ProtectiveMeters)} 이내에서는"
            : $"누출 지점 {Km(zone.ProtectiveMeters)} 이내에서는";
        var action = HazardMessages.ResponseType(zone) == "Evacuate"
            ? $"{where} 바람을 가로질러 대피하십시오"
            : $"{where} 실내로 들어가 창문과 문을 닫고 환기 장치를 끄십시오";
        return string.Create(CultureInfo.InvariantCulture,
            $"유독가스({material}) 누출. 누출 지점에서 {zone.IsolationMeters:0} m 이상 떨어지십시오. {action}. 소방과 경찰의 지시에 따르십시오.");
    }

    /// <summary>A message sign's two short lines.</summary>
    public static string SignText(HazardZone zone, string language)
    {
        if (language != Korean)
        {
            return HazardMessages.SignText(zone);
        }

        var toward = HazardMessages.Toward(zone) is { } t ? $" {KoreanCompass(t)}쪽" : "";
        return $"{KoreanMaterial(zone.Material)} 누출 / {(HazardMessages.ResponseType(zone) == "Evacuate" ? "대피" : "실내 대피")}{toward}";
    }

    /// <summary>The text to a car park's drivers when the river closes it.</summary>
    public static string CarParkClosing(string carPark, string signature, string language) => language == Korean
        ? $"[{carPark}] 홍수 경보: 하천 수위가 올라 주차장을 지금 폐쇄합니다. 안전하다면 즉시 차량을 옮기십시오. - {signature}"
        : $"[{carPark}] Flood warning: the river is rising and the car park closes now. Move your vehicle out at once if it is safe to do so. - {signature}";

    /// <summary>The text to a car park's drivers when it opens again.</summary>
    public static string CarParkReopened(string carPark, string signature, string language) => language == Korean
        ? $"[{carPark}] 홍수 경보가 끝나 주차장을 다시 개방합니다. - {signature}"
        : $"[{carPark}] The flood warning is over: the car park is open again. - {signature}";

    /// <summary>The Korean name of a material of the ERG rows (the ERG's English name otherwise).</summary>
    private static string KoreanMaterial(string material) => material.Split(',')[0].Trim().ToLowerInvariant() switch
    {
        "ammonia" => "암모니아",
        "chlorine" => "염소",
        "hydrogen chloride" => "염화수소",
        "hydrogen sulfide" => "황화수소",
        "sulfur dioxide" => "이산화황",
        var other => other,
    };

    private static string KoreanCompass(string toward) => toward switch
    {
        "north" => "북",
        "north-east" => "북동",
        "east" => "동",
        "south-east" => "남동",
        "south" => "남",
        "south-west" => "남서",
        "west" => "서",
        "north-west" => "북서",
        _ => toward,
    };

    private static string Km(double meters) => meters >= 1000
        ? (meters / 1000).ToString("0.#", CultureInfo.InvariantCulture) + " km"
        : meters.ToString("0", CultureInfo.InvariantCulture) + " m";
}

/// <summary>Who tells the public, and in which language, from <c>CityControl:Public</c>.</summary>
public sealed class PublicMessageOptions
{
    public const string Section = "CityControl:Public";

    /// <summary>The language of public warnings and drivers' texts: en or ko.</summary>
    public string Language { get; set; } = PublicMessages.English;

    /// <summary>How texts to the public are signed.</summary>
    public string Signature { get; set; } = "CityControl integrated control centre";
}
