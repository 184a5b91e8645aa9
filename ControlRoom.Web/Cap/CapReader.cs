using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using CityControl.Devices;
using NetTopologySuite.Geometries;

namespace CityControl.Web.Cap;

/// <summary>An imported CAP alert: what the platform needs to open or change an incident.</summary>
public sealed record CapAlert(
    string Identifier,
    string Sender,
    DateTimeOffset Sent,
    string Status,
    string MsgType,
    IReadOnlyList<(string Sender, string Identifier, string Sent)> References,
    string Event,
    string Urgency,
    string Severity,
    string Certainty,
    string Headline,
    string Description,
    string AreaDescription,
    GeoPoint? Location);

public sealed class CapRejectedException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>
/// Reads CAP 1.2 safely: no DTD (so no entity, internal or external, is ever expanded), no resolver (nothing is
/// fetched), no XInclude, then validation against the official schema, before anything is believed.
/// </summary>
public static class CapReader
{
    private static readonly XNamespace Cap = CapSchema.Namespace;
    private static readonly GeometryFactory Geometry = new();

    public static CapAlert Read(Stream xml)
    {
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
        var area = info?.Element(Cap + "area");
        return new CapAlert(
            Text(alert, "identifier")!,
            Text(alert, "sender")!,
            DateTimeOffset.Parse(Text(alert, "sent")!, CultureInfo.InvariantCulture),
            Text(alert, "status")!,
            Text(alert, "msgType")!,
            (Text(alert, "references") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(r => r.Split(','))
                .Where(p => p.Length == 3)
                .Select(p => (p[0], p[1], p[2]))
                .ToList(),
            Text(info, "event") ?? "",
            Text(info, "urgency") ?? "Unknown",
            Text(info, "severity") ?? "Unknown",
            Text(info, "certainty") ?? "Unknown",
            Text(info, "headline") ?? Text(info, "event") ?? Text(alert, "identifier")!,
            Text(info, "description") ?? "",
            Text(area, "areaDesc") ?? "",
            Centre(area));
    }

    private static string? Text(XElement? parent, string name) => parent?.Element(Cap + name)?.Value.Trim();

    /// <summary>The centre of the first polygon (its centroid, by NetTopologySuite) or circle of the area.</summary>
    private static GeoPoint? Centre(XElement? area)
    {
        if (Text(area, "polygon") is { } polygon)
        {
            var points = polygon.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => p.Split(','))
                .Select(p => new Coordinate(double.Parse(p[1], CultureInfo.InvariantCulture), double.Parse(p[0], CultureInfo.InvariantCulture)))
                .ToArray();
            if (points.Length >= 4 && points[0].Equals2D(points[^1]))
            {
                var centroid = Geometry.CreatePolygon(points).Centroid;
                return new GeoPoint(Math.Round(centroid.Y, 6), Math.Round(centroid.X, 6));
            }
        }

        if (Text(area, "circle") is { } circle && circle.Split(' ')[0].Split(',') is [var lat, var lon])
        {
            return new GeoPoint(double.Parse(lat, CultureInfo.InvariantCulture), double.Parse(lon, CultureInfo.InvariantCulture));
        }

        return null;
    }
}
