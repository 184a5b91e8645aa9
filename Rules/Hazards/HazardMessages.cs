using CityControl.Incidents;

namespace CityControl.Rules.Hazards;

/// <summary>What the public is told about a hazard zone: the same words on sirens' loudspeakers, message signs and the CAP alert.</summary>
public static class HazardMessages
{
    /// <summary>
    /// Up to this protective-action distance people downwind are told to leave (evacuation can be done before the
    /// cloud arrives); beyond it, to shelter indoors, which protects better than being caught outside on the way.
    /// </summary>
    public const double EvacuateUpToMeters = 1000;

    /// <summary>The CAP response type for the zone: Evacuate or Shelter.</summary>
    public static string ResponseType(HazardZone zone) => zone.ProtectiveMeters <= EvacuateUpToMeters ? "Evacuate" : "Shelter";

    /// <summary>The compass point the cloud moves toward, from the wind, or null without wind.</summary>
    public static string? Toward(HazardZone zone) => zone.Wind is { } w ? Compass((w.FromDegrees + 180) % 360) : null;

    /// <summary>The spoken and CAP instruction.</summary>
    public static string Instruction(HazardZone zone)
    {
        var material = zone.Material.Split(',')[0].ToLowerInvariant();
        var where = Toward(zone) is { } toward
            ? $"within {Km(zone.ProtectiveMeters)} {toward} of the leak"
            : $"within {Km(zone.ProtectiveMeters)} of the leak";
        var action = ResponseType(zone) == "Evacuate"
            ? $"leave the area {where}, moving across the wind"
            : $"go indoors {where}, close windows and doors and switch off ventilation";
        return $"Toxic gas ({material}) leak. Keep {zone.IsolationMeters:0} m away from the leak; {action}. Follow the instructions of fire and police.";
    }

    /// <summary>A message sign's short text (two lines of a typical VMS).</summary>
    public static string SignText(HazardZone zone) =>
        $"{zone.Material.Split(',')[0].ToUpperInvariant()} LEAK / {(ResponseType(zone) == "Evacuate" ? "LEAVE AREA" : "STAY INDOORS")}" +
        (Toward(zone) is { } toward ? $" {toward}" : "");

    private static string Km(double meters) => meters >= 1000 ? $"{meters / 1000:0.#} km" : $"{meters:0} m";

    private static string Compass(double bearing) =>
        new[] { "north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west" }[(int)Math.Round(bearing / 45) % 8];
}
