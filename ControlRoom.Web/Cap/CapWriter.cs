using System.Globalization;
using System.Xml.Linq;
using CityControl.Incidents;

namespace CityControl.Web.Cap;

/// <summary>Turns an incident into a CAP 1.2 alert for the agencies it is routed to.</summary>
public static class CapWriter
{
    private static readonly XNamespace Cap = CapSchema.Namespace;

    /// <param name="message">This message's identifier and sent time.</param>
    /// <param name="earlier">The messages already issued for this incident, first first: an Update or Cancel references them all.</param>
    public static XDocument Write(IncidentDetail incident, CapMessageRecord message, IReadOnlyList<CapMessageRecord> earlier, string senderName)
    {
        var s = incident.Summary;
        var msgType = earlier.Count == 0 ? "Alert" : s.Status is IncidentStatus.Cancelled or IncidentStatus.FalseAlarm ? "Cancel" : "Update";
        var alert = new XElement(Cap + "alert",
            new XElement(Cap + "identifier", message.Identifier),
            new XElement(Cap + "sender", message.Sender),
            new XElement(Cap + "sent", Time(message.Sent)),
            new XElement(Cap + "status", "Actual"),
            new XElement(Cap + "msgType", msgType),
            new XElement(Cap + "scope", "Restricted"),
            new XElement(Cap + "restriction", $"For {string.Join(", ", s.Agencies)} dispatch only"),
            earlier.Count == 0 ? null : new XElement(Cap + "references", string.Join(" ", earlier.Select(m => $"{m.Sender},{m.Identifier},{Time(m.Sent)}"))),
            new XElement(Cap + "incidents", s.Id),
            new XElement(Cap + "info",
                new XElement(Cap + "language", "en-US"),
                new XElement(Cap + "category", Category(s.Type)),
                new XElement(Cap + "event", Event(s.Type)),
                new XElement(Cap + "responseType", ResponseType(s)),
                new XElement(Cap + "urgency", s.Status is IncidentStatus.Resolved or IncidentStatus.Closed ? "Past" : Urgency(s.Priority)),
                new XElement(Cap + "severity", Severity(s.Priority)),
                new XElement(Cap + "certainty", s.Confirmed ? "Observed" : "Likely"),
                new XElement(Cap + "senderName", senderName),
                new XElement(Cap + "headline", s.Title),
                new XElement(Cap + "description", $"{incident.Description} Status {s.Status}. Alarms: {s.AlarmCount} from {incident.Devices.Length} device(s)."),
                incident.Procedure.IsEmpty ? null : new XElement(Cap + "instruction", string.Join(" ", incident.Procedure.Select(p => $"{p.Number}. {p.Text}."))),
                new XElement(Cap + "parameter", new XElement(Cap + "valueName", "priority"), new XElement(Cap + "value", s.Priority.ToString())),
                new XElement(Cap + "parameter", new XElement(Cap + "valueName", "status"), new XElement(Cap + "value", s.Status.ToString())),
                new XElement(Cap + "area",
                    new XElement(Cap + "areaDesc", $"{s.Zone}, {s.District}"),
                    new XElement(Cap + "circle", string.Create(CultureInfo.InvariantCulture, $"{s.Location.Latitude:0.######},{s.Location.Longitude:0.######} {RadiusKm(s.Type):0.###}")))));
        return new XDocument(new XDeclaration("1.0", "UTF-8", null), alert);
    }

    /// <summary>CAP times: seconds, and a numeric offset (the schema does not take 'Z').</summary>
    public static string Time(DateTimeOffset t) =>
        t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture);

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
