using System.Xml;
using System.Xml.Schema;

namespace CityControl.Web.Cap;

/// <summary>
/// The official OASIS CAP 1.2 schema (CAP-v1.2.xsd, a verbatim copy as OASIS permits), embedded in this assembly and
/// loaded without resolving anything outside it.
/// </summary>
public static class CapSchema
{
    public const string Namespace = "urn:oasis:names:tc:emergency:cap:1.2";

    private static readonly Lazy<XmlSchemaSet> Set = new(Load);

    public static XmlSchemaSet Schemas => Set.Value;

    private static XmlSchemaSet Load()
    {
        using var stream = typeof(CapSchema).Assembly.GetManifestResourceStream("CityControl.Web.Cap.CAP-v1.2.xsd")
            ?? throw new InvalidOperationException("the CAP 1.2 schema is not embedded");
        using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        var set = new XmlSchemaSet { XmlResolver = null };
        set.Add(Namespace, reader);
        set.Compile();
        return set;
    }
}
