using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using CityControl.Devices;
using CityControl.Rules.Cap;

namespace CityControl.Web.Cap;

public sealed class CapRejectedException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>
/// CAP 1.2 as XML, to and from the rules' <see cref="CapAlertMessage"/>. Reading is safe: no DTD (so no entity, internal
/// or external, is ever expanded), no resolver (nothing is fetched), no XInclude, then validation against the official
/// schema, before anything is believed; coordinates are checked as numbers in range.
/// </summary>
public static class CapXml
{
    private static readonly XNamespace Cap = CapSchema.Namespace;

    public static XDocument Write(CapAlertMessage alert)
    {
        var info = alert.Info;
        var root = new XElement(Cap + "alert",
            new XElement(Cap + "identifier", alert.Identifier),
            new XElement(Cap + "sender", alert.Sender),
            new XElement(Cap + "sent", Time(alert.Sent)),
            new XElement(Cap + "status", alert.Status),
            new XElement(Cap + "msgType", alert.MsgType),
            new XElement(Cap + "scope", alert.Scope),
            Optional("restriction", alert.Restriction),
            alert.References.Count == 0 ? null : new XElement(Cap + "references", string.Join(" ", alert.References.Select(r => $"{r.Sender},{r.Identifier},{Time(r.Sent)}"))),
            Optional("incidents", alert.Incidents),
            info is null ? null : new XElement(Cap + "info",
                new XElement(Cap + "language", info.Language),
                new XElement(Cap + "category", info.Category),
                new XElement(Cap + "event", info.Event),
                Optional("responseType", info.ResponseType),
                new XElement(Cap + "urgency", info.Urgency),
                new XElement(Cap + "severity", info.Severity),
                new XElement(Cap + "certainty", info.Certainty),
                Optional("senderName", info.SenderName),
                Optional("headline", info.Headline),
                Optional("description", info.Description),
                Optional("instruction", info.Instruction),
                info.Parameters.Select(p => new XElement(Cap + "parameter", new XElement(Cap + "valueName", p.Name), new XElement(Cap + "value", p.Value))),
                info.Area is not { } area ? null : new XElement(Cap + "area",
                    new XElement(Cap + "areaDesc", area.Description),
                    area.Polygons.Select(ring => new XElement(Cap + "polygon", string.Join(" ", ring.Select(Point)))),
                    area.Circles.Select(c => new XElement(Cap + "circle", string.Create(CultureInfo.InvariantCulture, $"{Point(c.Centre)} {c.RadiusKm:0.###}"))))));
        return new XDocument(new XDeclaration("1.0", "UTF-8", null), root);
    }

    /// <summary>CAP times: seconds, and a numeric offset (the schema does not take 'Z').</summary>
    public static string Time(DateTimeOffset t) =>
        t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture);

    /// <summary>CAP nests a handful of levels (alert, info, area, geocode, value; a signature a few more).</summary>
    public const int MaxDepth = 32;

    private static void CheckDepth(Stream xml)
    {
        var start = xml.Position;
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
            IgnoreWhitespace = true,
            MaxCharactersInDocument = 4_000_000,
            CloseInput = false,
        };
        using (var scan = XmlReader.Create(xml, settings))
        {
            while (scan.Read())
            {
                if (scan.Depth > MaxDepth)
                {
                    throw new CapRejectedException("alert", $"nests elements deeper than {MaxDepth} levels (line {((IXmlLineInfo)scan).LineNumber}); CAP needs a handful");
                }
            }
        }

        xml.Position = start;
    }

    public static CapAlertMessage Read(Stream xml)
    {
        if (!xml.CanSeek)
        {
            var buffer = new MemoryStream();
            xml.CopyTo(buffer);
            buffer.Position = 0;
            xml = buffer;
        }

        var errors = new List<string>();
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            ValidationType = ValidationType.Schema,
            Schemas = CapSchema.Schemas,
            MaxCharactersInDocument = 4_000_000,
            IgnoreComments = true,
        };
        settings.ValidationFlags &= ~(XmlSchemaValidationFlags.ProcessInlineSchema | XmlSchemaValidationFlags.ProcessSchemaLocation);
        settings.ValidationEventHandler += (_, e) =>
        {
            if (e.Severity == XmlSeverityType.Error)
            {
                errors.Add($"line {e.Exception.LineNumber}, position {e.Exception.LinePosition}: {e.Message}");
            }
        };

        XDocument doc;
        try
        {
            // Depth first, without the schema: refusing a deeply nested document then takes time in proportion to its size.
            CheckDepth(xml);
            using var reader = XmlReader.Create(xml, settings);
            doc = XDocument.Load(reader, LoadOptions.SetLineInfo);
        }
        catch (XmlException ex) when (ex.Message.Contains("DTD", StringComparison.Ordinal))
        {
            throw new CapRejectedException("body", "a DOCTYPE is not allowed in CAP: entities and external references are refused unread");
        }
        catch (XmlException ex)
        {
            throw new CapRejectedException("body", $"is not well-formed XML (line {ex.LineNumber}, position {ex.LinePosition}): {ex.Message}");
        }

        if (doc.Root?.Name != Cap + "alert")
        {
            throw new CapRejectedException("alert", $"the root must be <alert> in {CapSchema.Namespace} (CAP 1.2); found {doc.Root?.Name}");
        }

        if (errors.Count > 0)
        {
            throw new CapRejectedException("alert", "does not validate against the CAP 1.2 schema: " + string.Join("; ", errors.Take(5)));
        }

        var alert = doc.Root;
        var info = alert.Element(Cap + "info");
        return new CapAlertMessage(
            Text(alert, "identifier")!,
            Text(alert, "sender")!,
            DateTimeOffset.Parse(Text(alert, "sent")!, CultureInfo.InvariantCulture),
            Text(alert, "status")!,
            Text(alert, "msgType")!,
            Text(alert, "scope")!,
            Text(alert, "restriction"),
            [.. (Text(alert, "references") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(r => r.Split(','))
                .Where(p => p.Length == 3 && DateTimeOffset.TryParse(p[2], CultureInfo.InvariantCulture, out _))
                .Select(p => new CapReference(p[0], p[1], DateTimeOffset.Parse(p[2], CultureInfo.InvariantCulture)))],
            Text(alert, "incidents"),
            info is null ? null : new CapInfo(
                Text(info, "language") ?? "en-US",
                Text(info, "category") ?? "Other",
                Text(info, "event") ?? "",
                Text(info, "responseType"),
                Text(info, "urgency") ?? "Unknown",
                Text(info, "severity") ?? "Unknown",
                Text(info, "certainty") ?? "Unknown",
                Text(info, "senderName"),
                Text(info, "headline"),
                Text(info, "description"),
                Text(info, "instruction"),
                [.. info.Elements(Cap + "parameter").Select(p => new CapParameter(Text(p, "valueName") ?? "", Text(p, "value") ?? ""))],
                info.Element(Cap + "area") is { } area ? AreaOf(area) : null));
    }

    private static XElement? Optional(string name, string? value) => value is null ? null : new XElement(Cap + name, value);

    private static string? Text(XElement? parent, string name) => parent?.Element(Cap + name)?.Value.Trim();

    private static string Point(GeoPoint p) => string.Create(CultureInfo.InvariantCulture, $"{p.Latitude:0.######},{p.Longitude:0.######}");

    private static CapArea AreaOf(XElement area) => new(
        Text(area, "areaDesc") ?? "",
        [.. area.Elements(Cap + "polygon").Select(p => (IReadOnlyList<GeoPoint>)[.. p.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(pair => PointOf(pair, "alert.info.area.polygon"))])],
        [.. area.Elements(Cap + "circle").Select(CircleOf)]);

    private static CapCircle CircleOf(XElement circle)
    {
        var parts = circle.Value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var radius) || !double.IsFinite(radius) || radius < 0)
        {
            throw new CapRejectedException("alert.info.area.circle", $"'{Shorten(circle.Value)}' must be 'latitude,longitude radius' with a radius of 0 km or more");
        }

        return new CapCircle(PointOf(parts[0], "alert.info.area.circle"), radius);
    }

    /// <summary>A WGS84 'latitude,longitude' pair, each a number in range.</summary>
    private static GeoPoint PointOf(string pair, string field)
    {
        var parts = pair.Split(',');
        if (parts.Length != 2
            || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var latitude)
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var longitude)
            || latitude is < -90 or > 90 || longitude is < -180 or > 180 || !double.IsFinite(latitude) || !double.IsFinite(longitude))
        {
            throw new CapRejectedException(field, $"'{Shorten(pair)}' must be 'latitude,longitude' with latitude from -90 to 90 and longitude from -180 to 180");
        }

        return new GeoPoint(latitude, longitude);
    }

    private static string Shorten(string text) => text.Length > 60 ? text[..60] + "..." : text;
}
