using CityControl.Devices;

namespace CityControl.Rules.Cap;

/// <summary>
/// An OASIS CAP 1.2 alert as the platform reasons about it, with one info block: what is mapped to and from incidents.
/// Its XML form is the adapter's business (ControlRoom.Web/Cap); the schema's required fields are all here.
/// </summary>
public sealed record CapAlertMessage(
    string Identifier,
    string Sender,
    DateTimeOffset Sent,
    string Status,
    string MsgType,
    string Scope,
    string? Restriction,
    IReadOnlyList<CapReference> References,
    string? Incidents,
    CapInfo? Info);

/// <summary>An earlier message an Update or Cancel refers to.</summary>
public sealed record CapReference(string Sender, string Identifier, DateTimeOffset Sent);

public sealed record CapInfo(
    string Language,
    string Category,
    string Event,
    string? ResponseType,
    string Urgency,
    string Severity,
    string Certainty,
    string? SenderName,
    string? Headline,
    string? Description,
    string? Instruction,
    IReadOnlyList<CapParameter> Parameters,
    CapArea? Area);

public sealed record CapParameter(string Name, string Value);

/// <summary>Where: polygons (closed rings of WGS84 points) and circles (centre and radius in km).</summary>
public sealed record CapArea(string Description, IReadOnlyList<IReadOnlyList<GeoPoint>> Polygons, IReadOnlyList<CapCircle> Circles);

public sealed record CapCircle(GeoPoint Centre, double RadiusKm);
