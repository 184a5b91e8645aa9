using System.Collections.Immutable;
using CityControl.Devices;
using CityControl.Incidents;

namespace CityControl.Rules.Incidents;

/// <summary>What kind of incident an alarm makes, who gets it, how urgent it starts, and the procedure to follow.</summary>
public static class IncidentCatalog
{
    /// <summary>The incident type an alarm condition opens, or null for conditions that are information only.</summary>
    public static IncidentType? TypeOf(AlarmCondition condition) => condition switch
    {
        AlarmCondition.GasLow or AlarmCondition.GasHigh or AlarmCondition.GasTwa or AlarmCondition.GasStel or AlarmCondition.GasRateOfRise => IncidentType.ChemicalLeak,
        AlarmCondition.FloodAlert or AlarmCondition.FloodDanger or AlarmCondition.FloodRateOfRise => IncidentType.Flood,
        AlarmCondition.SignalFlash or AlarmCondition.SignalFault or AlarmCondition.SignalStuckPhase => IncidentType.TrafficSignalFault,
        AlarmCondition.SensorFlatline or AlarmCondition.SensorOutOfRange or AlarmCondition.DeviceOffline or AlarmCondition.CameraStreamLoss => IncidentType.EquipmentFault,
        AlarmCondition.VideoIntrusion => IncidentType.Intrusion,
        AlarmCondition.VideoLoitering => IncidentType.Loitering,
        AlarmCondition.VideoCrowding => IncidentType.Crowding,
        AlarmCondition.VideoStoppedVehicle => IncidentType.StoppedVehicle,
        AlarmCondition.CameraTampering => IncidentType.CameraTampering,
        AlarmCondition.SignalPreemption => null,
        _ => null,
    };

    /// <summary>Routing by type: crime to police, fire and chemical leaks to fire, accidents to all three road agencies, floods to disaster and traffic.</summary>
    public static ImmutableArray<Agency> AgenciesOf(IncidentType type) => type switch
    {
        IncidentType.Intrusion or IncidentType.Loitering or IncidentType.Crowding or IncidentType.CameraTampering => [Agency.Police],
        IncidentType.Fire or IncidentType.ChemicalLeak => [Agency.Fire],
        IncidentType.RoadAccident => [Agency.Police, Agency.Fire, Agency.Traffic],
        IncidentType.StoppedVehicle => [Agency.Traffic, Agency.Police],
        IncidentType.Flood => [Agency.Disaster, Agency.Traffic],
        IncidentType.TrafficSignalFault => [Agency.Traffic],
        IncidentType.ExternalWarning => [Agency.Disaster],
        _ => [Agency.Maintenance],
    };

    /// <summary>How urgent an alarm condition is on its own.</summary>
    public static Priority PriorityOf(AlarmCondition condition) => condition switch
    {
        AlarmCondition.GasHigh or AlarmCondition.GasStel or AlarmCondition.FloodDanger => Priority.P1,
        AlarmCondition.GasLow or AlarmCondition.GasTwa or AlarmCondition.GasRateOfRise or AlarmCondition.FloodAlert or AlarmCondition.FloodRateOfRise => Priority.P2,
        AlarmCondition.VideoIntrusion or AlarmCondition.VideoStoppedVehicle or AlarmCondition.VideoCrowding => Priority.P2,
        AlarmCondition.SignalFlash or AlarmCondition.SignalFault or AlarmCondition.SignalStuckPhase => Priority.P3,
        AlarmCondition.VideoLoitering or AlarmCondition.CameraTampering => Priority.P3,
        _ => Priority.P4,
    };

    /// <summary>A leak is confirmed by two sensors of the zone, or by one at its High set-point (the default voting).</summary>
    public static bool IsConfirmedLeak(IEnumerable<LinkedAlarm> alarms, int sensorsToConfirm = 2)
    {
        var gas = alarms.Where(a => TypeOf(a.Condition) == IncidentType.ChemicalLeak).ToList();
        return gas.Any(a => a.Condition is AlarmCondition.GasHigh or AlarmCondition.GasStel)
            || gas.Select(a => a.DeviceId).Distinct().Count() >= sensorsToConfirm;
    }

    public static string TitleOf(IncidentType type, string zone, string district) => $"{TypeName(type)}, {zone}, {district}";

    /// <summary>An incident type as an English title starts.</summary>
    public static string TypeName(IncidentType type) => type switch
    {
        IncidentType.ChemicalLeak => "Chemical leak",
        IncidentType.Fire => "Fire",
        IncidentType.RoadAccident => "Road accident",
        IncidentType.Flood => "Flooding",
        IncidentType.TrafficSignalFault => "Traffic signal fault",
        IncidentType.EquipmentFault => "Equipment fault",
        IncidentType.Intrusion => "Intrusion",
        IncidentType.Loitering => "Loitering",
        IncidentType.Crowding => "Crowding",
        IncidentType.StoppedVehicle => "Stopped vehicle",
        IncidentType.CameraTampering => "Camera tampering",
        _ => type.ToString(),
    };

    /// <summary>The standard operating procedure for each incident type.</summary>
    public static ImmutableArray<string> ProcedureOf(IncidentType type) => type switch
    {
        IncidentType.ChemicalLeak =>
        [
            "Confirm the reading on the nearest cameras and a second sensor",
            "Notify fire (119) with gas, concentration and wind direction",
            "Warn the plant operator and order the zone evacuated upwind",
            "Close roads into the hazard area",
            "Record the all-clear reading before standing down",
        ],
        IncidentType.Fire =>
        [
            "Confirm the address and whether people are inside or trapped",
            "Dispatch the nearest fire units (119) and an ambulance if people are hurt",
            "Put the nearest cameras on the wall and watch the smoke's direction",
            "Ask traffic to keep the access roads clear for the engines",
            "Record when the fire is declared out",
        ],
        IncidentType.RoadAccident =>
        [
            "Confirm the place, the number of vehicles and whether people are hurt",
            "Dispatch police (112) and, if people are hurt or trapped, fire and ambulance (119)",
            "Set the lane-closed signs upstream and warn drivers with the message signs",
            "Reopen the road once the scene is cleared",
        ],
        IncidentType.Flood =>
        [
            "Check the river gauge trend and the weather warning",
            "Close the riverside car park entrances",
            "Broadcast the move-your-car message to registered owners",
            "Ask traffic to divert around the closed roads",
            "Reopen only after the level is below the alert level",
        ],
        IncidentType.TrafficSignalFault =>
        [
            "Check the junction on camera",
            "Send the signal maintenance crew",
            "Ask police for manual traffic control if the junction is busy",
            "Confirm normal operation after repair",
        ],
        IncidentType.Intrusion or IncidentType.Loitering =>
        [
            "Look at the snapshot and clip, then at the live view",
            "Speak through the site's loudspeaker if there is one",
            "Send the nearest police patrol (112) with the description",
            "Keep the camera on the person until the patrol arrives",
        ],
        IncidentType.Crowding =>
        [
            "Look at the live view: size of the crowd, which way it moves",
            "Ask police (112) for crowd control at the place",
            "Ask traffic to hold or divert vehicles near the crowd",
        ],
        IncidentType.StoppedVehicle =>
        [
            "Look at the snapshot and live view: breakdown, accident or person on the road",
            "Set the lane-closed signs upstream and warn drivers",
            "Send traffic patrol; ask police and fire (119) if people are hurt",
            "Reopen the lane once the vehicle is gone",
        ],
        IncidentType.CameraTampering =>
        [
            "Compare the snapshot with the camera's usual view",
            "Ask police (112) to check the camera's place for vandalism",
            "Open a maintenance ticket to clean or re-aim the camera",
        ],
        IncidentType.ExternalWarning =>
        [
            "Read the warning and its area",
            "Check which city districts and devices lie in the area",
            "Brief the agencies concerned",
        ],
        _ =>
        [
            "Check the device and its surroundings on camera",
            "Open a maintenance ticket",
            "Confirm the device reports normally again",
        ],
    };

    /// <summary>"Opened by FloodAlert on gauge-1: water 0.7 m at or above…" as a phrase (none for an alarm stored without one).</summary>
    public static Phrase? OpenedBy(AlarmCondition condition, string deviceId, Phrase? alarm) =>
        alarm is null ? null : Phrases.Say("incident.openedBy", alarm, Phrases.Word("condition", condition), deviceId);

    /// <summary>"gauge-1: water 0.7 m at or above…" (an alarm linked to an incident) as a phrase.</summary>
    public static Phrase? AlarmOn(string deviceId, Phrase? alarm) => alarm is null ? null : Phrases.Say("incident.alarmOn", alarm, deviceId);

    /// <summary>
    /// What the timeline says when an incident opens: its title, priority and agencies; a title of this catalogue's
    /// making by its type, zone and district (so a page translates the type), any other (a warning's headline) as given.
    /// </summary>
    public static Phrase Opened(IncidentOpening opening, IEnumerable<Agency> agencies)
    {
        var who = Agencies(agencies);
        var priority = opening.Priority.ToString();
        return opening.Title == TitleOf(opening.Type, opening.Zone, opening.District)
            ? Phrases.Say("incident.opened", Phrases.Word("type", opening.Type, TypeName(opening.Type)), opening.Zone, opening.District, priority, who)
            : Phrases.Say("incident.openedAs", opening.Title, priority, who);
    }

    /// <summary>Agencies as words the pages translate ("Police, Fire").</summary>
    public static PhraseArg Agencies(IEnumerable<Agency> agencies) =>
        Phrases.Words(agencies.Select(a => (Phrases.LabelOf("agency", a), a.ToString())));
}
