using System.Security.Cryptography;
using System.Text;
using CityControl.Devices;
using CityControl.Incidents;
using NetTopologySuite.Geometries;

namespace CityControl.Rules.Cap;

/// <summary>
/// How incidents become CAP 1.2 alerts for the agencies they are routed to, and how an external alert becomes an
/// incident: category, event, response, urgency, severity and certainty from the incident; priority and place from an
/// alert.
/// </summary>
public static class CapMapping
{
    private static readonly GeometryFactory Geometry = new();

    /// <param name="message">This message's identifier and sent time.</param>
    /// <param name="earlier">The messages already issued for this incident, first first: an Update or Cancel references them all.</param>
    public static CapAlertMessage ToAlert(IncidentDetail incident, CapMessageRecord message, IReadOnlyList<CapMessageRecord> earlier, string senderName)
    {
        var s = incident.Summary;
        var zone = s.Type == IncidentType.ChemicalLeak && s.Confirmed ? incident.Hazard : null;
        var msgType = earlier.Count == 0 ? "Alert" : s.Status is IncidentStatus.Cancelled or IncidentStatus.FalseAlarm ? "Cancel" : "Update";
        return new CapAlertMessage(
            message.Identifier,
            message.Sender,
            message.Sent,
            "Actual",
            msgType,
            "Restricted",
            $"For {string.Join(", ", s.Agencies)} dispatch only",
            [.. earlier.Select(m => new CapReference(m.Sender, m.Identifier, m.Sent))],
            s.Id,
            new CapInfo(
                "en-US",
                Category(s.Type),
                Event(s.Type),
                zone is not null && ResponseType(s) != "AllClear" ? Hazards.HazardMessages.ResponseType(zone) : ResponseType(s),
                s.Status is IncidentStatus.Resolved or IncidentStatus.Closed ? "Past" : Urgency(s.Priority),
                Severity(s.Priority),
                s.Confirmed ? "Observed" : "Likely",
                senderName,
                s.Title,
                $"{incident.Description} Status {s.Status}. Alarms: {s.AlarmCount} from {incident.Devices.Length} device(s).",
                zone is not null ? Hazards.HazardMessages.Instruction(zone)
                    : incident.Procedure.IsEmpty ? null : string.Join(" ", incident.Procedure.Select(p => $"{p.Number}. {p.Text}.")),
                [new CapParameter("priority", s.Priority.ToString()), new CapParameter("status", s.Status.ToString()), .. HazardParameters(zone)],
                zone is not null
                    ? new CapArea($"Hazard zone {zone.Version} of the {zone.Material} leak, {s.Zone}, {s.District}", [zone.Outline], [])
                    : incident.Area is { Length: >= 4 } area
                        ? new CapArea($"{s.Zone}, {s.District}", [area], [])
                        : new CapArea($"{s.Zone}, {s.District}", [], [new CapCircle(s.Location, RadiusKm(s.Type))])));
    }

    /// <summary>The chemical and the zone's basis, for receivers that act on them (CAP parameters are name/value pairs).</summary>
    private static IEnumerable<CapParameter> HazardParameters(HazardZone? zone) => zone is null ? [] :
    [
        new("chemical", zone.Material),
        new("UN_number", $"UN{zone.UnNumber}"),
        new("spill", zone.Spill.ToString()),
        new("isolation_m", zone.IsolationMeters.ToString("0", System.Globalization.CultureInfo.InvariantCulture)),
        new("protective_action_m", zone.ProtectiveMeters.ToString("0", System.Globalization.CultureInfo.InvariantCulture)),
        new("zone_version", zone.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("zone_basis", zone.Basis),
    ];

    /// <summary>The incident of an external alert: the same sender and identifier always give the same incident.</summary>
    public static string IncidentIdOf(string sender, string identifier) =>
        "cap-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{sender}\n{identifier}")))[..16];

    /// <summary>What an external warning opens: its priority from its severity (an exercise or test is P4), its title and where.</summary>
    public static IncidentOpening OpeningOf(CapAlertMessage alert, string district, GeoPoint cityCentre, string openedBy)
    {
        var info = alert.Info;
        var headline = info?.Headline ?? info?.Event ?? alert.Identifier;
        var actual = alert.Status == "Actual";
        var area = info?.Area?.Description ?? "";
        var zone = area.Length > 100 ? area[..100] : area;
        return new IncidentOpening(
            IncidentType.ExternalWarning,
            actual ? PriorityOf(info?.Severity ?? "Unknown") : Priority.P4,
            actual ? headline : $"[{alert.Status}] {headline}",
            $"{info?.Event}: {info?.Description}".Trim(),
            district,
            zone.Length == 0 ? "unspecified" : zone,
            CentreOf(info?.Area) ?? cityCentre,
            alert.Sent,
            openedBy,
            new CapMessageRecord(alert.Identifier, alert.Sender, alert.Sent));
    }

    /// <summary>The centre of the area's first polygon (its centroid) or else its first circle.</summary>
    public static GeoPoint? CentreOf(CapArea? area)
    {
        if (area?.Polygons is [{ Count: >= 4 } ring, ..] && ring[0] == ring[^1])
        {
            var centroid = Geometry.CreatePolygon([.. ring.Select(p => new Coordinate(p.Longitude, p.Latitude))]).Centroid;
            return new GeoPoint(Math.Round(centroid.Y, 6), Math.Round(centroid.X, 6));
        }

        return area?.Circles is [var circle, ..] ? circle.Centre : null;
    }

    public static Priority PriorityOf(string severity) => severity switch
    {
        "Extreme" or "Severe" => Priority.P1,
        "Moderate" => Priority.P2,
        "Minor" => Priority.P3,
        _ => Priority.P4,
    };

    private static string Category(IncidentType type) => type switch
    {
        IncidentType.ChemicalLeak => "CBRNE",
        IncidentType.Fire => "Fire",
        IncidentType.Flood => "Met",
        IncidentType.RoadAccident or IncidentType.StoppedVehicle or IncidentType.TrafficSignalFault => "Transport",
        IncidentType.Intrusion or IncidentType.Loitering or IncidentType.Crowding or IncidentType.CameraTampering => "Security",
        IncidentType.EquipmentFault => "Infra",
        _ => "Other",
    };

    private static string Event(IncidentType type) => type switch
    {
        IncidentType.ChemicalLeak => "Chemical leak",
        IncidentType.TrafficSignalFault => "Traffic signal fault",
        IncidentType.EquipmentFault => "Monitoring equipment fault",
        IncidentType.RoadAccident => "Road accident",
        IncidentType.StoppedVehicle => "Stopped vehicle",
        IncidentType.CameraTampering => "Camera tampering",
        IncidentType.ExternalWarning => "External warning",
        _ => type.ToString(),
    };

    private static string ResponseType(IncidentSummary s) => s switch
    {
        { Status: IncidentStatus.Resolved or IncidentStatus.Closed or IncidentStatus.Cancelled or IncidentStatus.FalseAlarm } => "AllClear",
        { Type: IncidentType.ChemicalLeak, Confirmed: true } => "Evacuate",
        { Type: IncidentType.Flood } => "Avoid",
        _ => "Monitor",
    };

    private static string Urgency(Priority p) => p switch
    {
        Priority.P1 => "Immediate",
        Priority.P2 => "Expected",
        Priority.P3 => "Future",
        _ => "Unknown",
    };

    private static string Severity(Priority p) => p switch
    {
        Priority.P1 => "Severe",
        Priority.P2 => "Moderate",
        _ => "Minor",
    };

    private static double RadiusKm(IncidentType type) => type switch
    {
        IncidentType.ChemicalLeak => 1.0,
        IncidentType.Flood => 0.5,
        _ => 0.2,
    };
}
