using System.Globalization;
using System.Text.Json;
using CityControl.Devices;
using CityControl.Incidents;
using CityControl.Rules.Devices;

namespace CityControl.Rules.Ngsi;

/// <summary>A reading an NGSI-LD entity gives one of our devices.</summary>
public sealed record NgsiReading(DateTimeOffset At, string Metric, double Value, string Unit);

/// <summary>An NGSI-LD Alert (Smart Data Models dataModel.Alert) as the platform reads it.</summary>
public sealed record NgsiAlert(
    string EntityId, string Category, string? SubCategory, string Severity, string Description, GeoPoint? Location,
    DateTimeOffset Issued, DateTimeOffset? ValidTo, string Source);

/// <summary>
/// FIWARE NGSI-LD entities (Smart Data Models), in either form (normalized: <c>{"type": "Property", "value": ...,
/// "unitCode": ..., "observedAt": ...}</c>; key-values: the value alone), as the platform's readings and incidents:
/// <list type="bullet">
/// <item>AirQualityObserved: a gas detector's concentration of its own gas (<c>co</c>, <c>no2</c>, <c>so2</c>,
/// <c>o3</c>, <c>nh3</c>, <c>h2s</c> ...; the unit from <c>unitCode</c>, which the model leaves open and which is
/// therefore required), <c>temperature</c> and <c>relativeHumidity</c>;</item>
/// <item>WaterObserved (<c>height</c>) and FloodMonitoring (<c>currentLevel</c>): a flood gauge's water level;</item>
/// <item>TrafficFlowObserved: a signal's volume (<c>intensity</c>) and occupancy of the approach the lane runs along
/// (its direction of travel: the lane's LineString, reversed for <c>laneDirection</c> backward);</item>
/// <item>Alert: an external-warning incident;</item>
/// <item>Device: a device onboarded (see <see cref="DeviceFields"/>).</item>
/// </list>
/// The device is the one the entity names: <c>refDevice</c>, else <c>stationID</c> / <c>stationCode</c>, else
/// <c>refPointOfInterest</c> (the station it observes from), else the id after <c>urn:ngsi-ld:&lt;type&gt;:</c>.
/// </summary>
public static class NgsiLdMapping
{
    public static readonly IReadOnlyList<string> ObservationTypes = ["AirQualityObserved", "WaterObserved", "FloodMonitoring", "TrafficFlowObserved"];

    /// <summary>UN/CEFACT common codes of the units the models use, as this platform's units (with a factor).</summary>
    private static readonly Dictionary<string, (string Unit, double Factor)> UnitCodes = new(StringComparer.Ordinal)
    {
        ["GP"] = ("mg/m3", 1), // milligram per cubic metre
        ["GQ"] = ("mg/m3", 0.001), // microgram per cubic metre
        ["59"] = ("ppm", 1),
        ["61"] = ("ppb", 1),
        ["MTR"] = ("m", 1),
        ["CMT"] = ("cm", 1),
        ["CEL"] = ("degC", 1),
        ["P1"] = ("%", 1),
    };

    /// <summary>The value of an attribute in either form (a Property's value, a Relationship's object), or null.</summary>
    public static JsonElement? Value(JsonElement entity, string name)
    {
        if (entity.ValueKind != JsonValueKind.Object || !entity.TryGetProperty(name, out var attribute))
        {
            return null;
        }

        // Normalized: a Property's (or GeoProperty's) value, a Relationship's object. Published examples also carry
        // {"type": "string", "value": ...} and dates as Relationships: whatever holds a value or an object is read so.
        if (attribute.ValueKind == JsonValueKind.Object && attribute.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
            && type.GetString() is not ("Point" or "LineString" or "Polygon" or "MultiPoint" or "MultiLineString" or "MultiPolygon" or "PostalAddress"))
        {
            if (attribute.TryGetProperty("value", out var value))
            {
                return value;
            }

            if (attribute.TryGetProperty("object", out var target))
            {
                return target;
            }
        }

        return attribute;
    }

    public static string? Text(JsonElement entity, string name) =>
        Value(entity, name) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;

    public static double? Number(JsonElement entity, string name) =>
        Value(entity, name) is { ValueKind: JsonValueKind.Number } v && v.TryGetDouble(out var d) && double.IsFinite(d) ? d : null;

    private static string? UnitCode(JsonElement entity, string name) =>
        entity.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Object && a.TryGetProperty("unitCode", out var u) && u.ValueKind == JsonValueKind.String
            ? u.GetString()
            : null;

    /// <summary>The entity's type, short (a full IRI's last segment).</summary>
    public static string? TypeOf(JsonElement entity) =>
        entity.ValueKind == JsonValueKind.Object && entity.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetString()!.Split('/', '#').Last()
            : null;

    public static string? IdOf(JsonElement entity) =>
        entity.ValueKind == JsonValueKind.Object && entity.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;

    /// <summary>The platform device an observation is of (see the class summary), or null if it names none.</summary>
    public static string? DeviceOf(JsonElement entity)
    {
        foreach (var name in new[] { "refDevice", "stationID", "stationCode", "refPointOfInterest" })
        {
            if (Value(entity, name) is { } v && (v.ValueKind == JsonValueKind.String ? v.GetString() : v.ValueKind == JsonValueKind.Array && v.GetArrayLength() > 0 && v[0].ValueKind == JsonValueKind.String ? v[0].GetString() : null) is { Length: > 0 } reference)
            {
                return LocalId(reference);
            }
        }

        return IdOf(entity) is { } id && TypeOf(entity) is { } type && id.IndexOf(":" + type + ":", StringComparison.Ordinal) is var at and >= 0
            ? id[(at + type.Length + 2)..]
            : null;
    }

    /// <summary>An entity reference's local part: <c>urn:ngsi-ld:Device:gas-7</c> is <c>gas-7</c>.</summary>
    public static string LocalId(string reference)
    {
        var colon = reference.LastIndexOf(':');
        return colon >= 0 && colon < reference.Length - 1 ? reference[(colon + 1)..] : reference;
    }

    /// <summary>When the entity says it observed (an attribute's <c>observedAt</c>, or the model's own date), or null.</summary>
    public static DateTimeOffset? ObservedAt(JsonElement entity, string attribute)
    {
        if (entity.TryGetProperty(attribute, out var a) && a.ValueKind == JsonValueKind.Object && a.TryGetProperty("observedAt", out var at) && Time(at.GetString()) is { } observed)
        {
            return observed;
        }

        foreach (var name in new[] { "dateObservedTo", "observationDateTime", "dateObserved", "dateIssued" })
        {
            if (Text(entity, name) is { } text && Time(text.Split('/').Last()) is { } t)
            {
                return t;
            }
        }

        return null;
    }

    /// <summary>An ISO 8601 time; one without an offset is UTC, as NGSI-LD's DateTime is.</summary>
    public static DateTimeOffset? Time(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;

    /// <summary>
    /// The readings an observation gives a device of <paramref name="kind"/> (measuring <paramref name="gas"/> if a
    /// gas detector), and what in it was refused and why.
    /// </summary>
    public static (List<NgsiReading> Readings, List<RuleViolation> Problems) Readings(JsonElement entity, DeviceKind kind, string? gas)
    {
        var readings = new List<NgsiReading>();
        var problems = new List<RuleViolation>();
        var type = TypeOf(entity);
        var expected = type switch
        {
            "AirQualityObserved" => DeviceKind.GasSensor,
            "WaterObserved" or "FloodMonitoring" => DeviceKind.FloodSensor,
            "TrafficFlowObserved" => DeviceKind.TrafficSignal,
            _ => (DeviceKind?)null,
        };
        if (expected is null)
        {
            problems.Add(new("type", $"'{type}' is not an observation this platform reads ({string.Join(", ", ObservationTypes)})"));
            return (readings, problems);
        }

        if (expected != kind)
        {
            problems.Add(new("type", $"{type} describes a {expected.Value.ToString()} and the device is a {kind}"));
            return (readings, problems);
        }

        void Add(string attribute, string metric, Func<double, double>? convert = null, string defaultUnit = "", bool unitRequired = false)
        {
            if (Number(entity, attribute) is not { } raw)
            {
                return;
            }

            var at = ObservedAt(entity, attribute);
            if (at is null)
            {
                problems.Add(new(attribute, "has no time: observedAt, or the model's dateObserved / observationDateTime"));
                return;
            }

            var code = UnitCode(entity, attribute);
            string unit;
            var factor = 1.0;
            if (code is null)
            {
                if (unitRequired)
                {
                    problems.Add(new(attribute, "needs a unitCode (GP mg/m3, GQ ug/m3, 59 ppm, 61 ppb): the model leaves the unit open"));
                    return;
                }

                unit = defaultUnit;
            }
            else if (UnitCodes.TryGetValue(code, out var known))
            {
                (unit, factor) = known;
            }
            else
            {
                problems.Add(new(attribute, $"unitCode '{code}' is not one this platform converts ({string.Join(", ", UnitCodes.Keys)})"));
                return;
            }

            readings.Add(new(at.Value, metric, Math.Round((convert ?? (v => v))(raw * factor), 6), unit));
        }

        switch (type)
        {
            case "AirQualityObserved":
                if (gas is not null)
                {
                    Add(gas.ToLowerInvariant(), MetricCatalog.Concentration, unitRequired: true);
                }

                Add("temperature", MetricCatalog.Temperature, defaultUnit: "degC");
                Add("relativeHumidity", MetricCatalog.Humidity, v => v <= 1 ? v * 100 : v, "%");
                break;
            case "WaterObserved":
                Add("height", MetricCatalog.WaterLevel, defaultUnit: "m");
                break;
            case "FloodMonitoring":
                Add("currentLevel", MetricCatalog.WaterLevel, defaultUnit: "m");
                break;
            case "TrafficFlowObserved":
                if (ApproachOf(entity) is not { } approach)
                {
                    problems.Add(new("location", "must be the lane as a LineString (its direction of travel gives the approach)"));
                    break;
                }

                Add("intensity", MetricCatalog.OfApproach(MetricCatalog.Volume, approach), defaultUnit: "veh");
                Add("occupancy", MetricCatalog.OfApproach(MetricCatalog.Occupancy, approach), v => v <= 1 ? v * 100 : v, "%");
                break;
        }

        if (readings.Count == 0 && problems.Count == 0)
        {
            problems.Add(new("entity", $"holds none of the attributes this platform reads from a {type}"));
        }

        return (readings, problems);
    }

    /// <summary>The approach (NB, SB, EB, WB) a lane's traffic runs on: the bearing of its LineString from first to last point.</summary>
    public static string? ApproachOf(JsonElement entity)
    {
        if (Value(entity, "location") is not { ValueKind: JsonValueKind.Object } geometry
            || !geometry.TryGetProperty("type", out var t) || t.GetString() != "LineString"
            || !geometry.TryGetProperty("coordinates", out var c) || c.ValueKind != JsonValueKind.Array || c.GetArrayLength() < 2)
        {
            return null;
        }

        static GeoPoint? Point(JsonElement p) =>
            p.ValueKind == JsonValueKind.Array && p.GetArrayLength() >= 2 && p[0].TryGetDouble(out var lon) && p[1].TryGetDouble(out var lat) ? new GeoPoint(lat, lon) : null;

        if (Point(c[0]) is not { } first || Point(c[c.GetArrayLength() - 1]) is not { } last)
        {
            return null;
        }

        if (Text(entity, "laneDirection") == "backward")
        {
            (first, last) = (last, first);
        }

        var bearing = Geo.GeoDistance.BearingDegrees(first, last);
        return bearing switch
        {
            >= 315 or < 45 => "NB",
            < 135 => "EB",
            < 225 => "SB",
            _ => "WB",
        };
    }

    /// <summary>A point location (GeoJSON Point, [longitude, latitude]), or null.</summary>
    public static GeoPoint? PointOf(JsonElement entity) =>
        Value(entity, "location") is { ValueKind: JsonValueKind.Object } geometry
        && geometry.TryGetProperty("type", out var t) && t.GetString() == "Point"
        && geometry.TryGetProperty("coordinates", out var c) && c.ValueKind == JsonValueKind.Array && c.GetArrayLength() >= 2
        && c[0].TryGetDouble(out var lon) && c[1].TryGetDouble(out var lat) && lat is >= -90 and <= 90 && lon is >= -180 and <= 180
            ? new GeoPoint(lat, lon)
            : null;

    /// <summary>An Alert entity, or what it lacks (the model's required attributes: alertSource, category, dateIssued).</summary>
    public static (NgsiAlert? Alert, List<RuleViolation> Problems) AlertOf(JsonElement entity)
    {
        var problems = new List<RuleViolation>();
        var id = IdOf(entity);
        var category = Text(entity, "category");
        var issued = Time(Text(entity, "dateIssued"));
        var source = Value(entity, "alertSource") is { } s ? (s.ValueKind == JsonValueKind.String ? s.GetString() : s.ToString()) : null;
        if (id is null)
        {
            problems.Add(new("id", "is required"));
        }

        if (category is null)
        {
            problems.Add(new("category", "is required (traffic, naturalDisaster, weather, environment, health, security, agriculture)"));
        }

        if (issued is null)
        {
            problems.Add(new("dateIssued", "is required: an ISO 8601 time"));
        }

        if (string.IsNullOrWhiteSpace(source))
        {
            problems.Add(new("alertSource", "is required"));
        }

        if (problems.Count > 0)
        {
            return (null, problems);
        }

        var severity = Text(entity, "severity") ?? "informational";
        return (new NgsiAlert(id!, category!, Text(entity, "subCategory"), severity, Text(entity, "description") ?? "",
            PointOf(entity), issued!.Value, Time(Text(entity, "validTo")), source!), problems);
    }

    /// <summary>The Device model's <c>controlledProperty</c> values that name a kind of device this platform watches.</summary>
    public static readonly IReadOnlyDictionary<string, DeviceKind> ControlledProperties = new Dictionary<string, DeviceKind>(StringComparer.Ordinal)
    {
        ["airPollution"] = DeviceKind.GasSensor,
        ["waterLevel"] = DeviceKind.FloodSensor,
        ["trafficFlow"] = DeviceKind.TrafficSignal,
        ["motion"] = DeviceKind.Camera,
        ["weatherConditions"] = DeviceKind.WeatherStation,
    };

    /// <summary>
    /// The Device model's <c>controlledProperty</c> values a device of <paramref name="kind"/> is served with: the one
    /// that names its kind first, then those of its other metrics that the model's enumeration has.
    /// </summary>
    public static IEnumerable<string> ControlledPropertiesOf(DeviceKind kind)
    {
        // A warning device (siren, loudspeaker, sign) measures nothing: the model's enumeration has no property of its own for it.
        var own = ControlledProperties.FirstOrDefault(p => p.Value == kind).Key;
        return MetricCatalog.For(kind)
            .Select(m => m.Name switch
            {
                MetricCatalog.Temperature => "temperature",
                MetricCatalog.Humidity => "humidity",
                MetricCatalog.Occupancy => "occupancy",
                MetricCatalog.Rainfall => "precipitation",
                MetricCatalog.WindSpeed => "windSpeed",
                MetricCatalog.WindDirection => "windDirection",
                MetricCatalog.SolarRadiation => "solarRadiation",
                _ => null,
            })
            .OfType<string>()
            .Where(p => p != own)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Prepend(own!)
            .OfType<string>();
    }

    /// <summary>The Device model's <c>deviceCategory</c> (its enumeration: sensor, actuator, multimedia ...) of a kind.</summary>
    public static string DeviceCategoryOf(DeviceKind kind) => kind switch
    {
        DeviceKind.Camera => "multimedia",
        DeviceKind.TrafficSignal or DeviceKind.WarningDevice => "actuator",
        _ => "sensor",
    };

    /// <summary>The properties a Device entity says it measures or controls (<c>controlledProperty</c>), as it says them.</summary>
    public static IReadOnlyList<string> ControlledPropertiesIn(JsonElement entity) => Texts(Value(entity, "controlledProperty"));

    /// <summary>An attribute's text or texts (a string, or an array of them).</summary>
    private static List<string> Texts(JsonElement? value) =>
        value is { ValueKind: JsonValueKind.Array } array ? [.. array.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)]
        : value is { ValueKind: JsonValueKind.String } one ? [one.GetString()!]
        : [];

    /// <summary>
    /// A Smart Data Models Device as the cells of a device import (the names of the import's columns), or why it is no
    /// device of this platform. The kind comes from <c>controlledProperty</c> (airPollution: a gas detector; waterLevel:
    /// a flood gauge; trafficFlow: a traffic signal; motion, or <c>deviceCategory</c> multimedia: a camera); the
    /// district from <c>areaServed</c>; the place from a Point <c>location</c>; the name from <c>name</c>, else
    /// <c>serialNumber</c>; what the model has no attribute for (a gas and its set-points, a gauge's levels, a
    /// camera's stream) from <c>configuration</c>, the model's list of <c>{parameter, value}</c>, by the import's
    /// column names. Other configuration parameters are the vendor's and are left alone.
    /// </summary>
    public static (Dictionary<string, string?> Fields, List<RuleViolation> Problems) DeviceFields(JsonElement entity, IReadOnlyCollection<string> columns)
    {
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
        var problems = new List<RuleViolation>();
        if (IdOf(entity) is { } id)
        {
            fields["id"] = LocalId(id);
        }

        var properties = ControlledPropertiesIn(entity);
        var kinds = properties.Where(ControlledProperties.ContainsKey).Select(p => ControlledProperties[p]).ToHashSet();
        if (Texts(Value(entity, "deviceCategory")).Contains("multimedia"))
        {
            kinds.Add(DeviceKind.Camera);
        }

        if (Value(entity, "configuration") is { ValueKind: JsonValueKind.Array } configuration)
        {
            foreach (var item in configuration.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object
                    && item.TryGetProperty("parameter", out var parameter) && parameter.ValueKind == JsonValueKind.String
                    && columns.FirstOrDefault(c => string.Equals(c, parameter.GetString(), StringComparison.OrdinalIgnoreCase)) is { } column
                    && column is not ("id" or "kind" or "latitude" or "longitude")
                    && item.TryGetProperty("value", out var value))
                {
                    fields[column] = value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText();
                }
            }
        }

        if (kinds.Count == 1)
        {
            fields["kind"] = kinds.Single().ToString();
        }
        else if (kinds.Count == 0)
        {
            problems.Add(new("controlledProperty", $"'{string.Join(", ", properties)}' names no kind of device this platform watches (airPollution: gas detector; waterLevel: flood gauge; trafficFlow: traffic signal; motion or deviceCategory multimedia: camera)"));
        }
        else
        {
            problems.Add(new("controlledProperty", $"names {string.Join(" and ", kinds.Order())}: one device is one kind"));
        }

        fields["name"] = Text(entity, "name") ?? Text(entity, "serialNumber") ?? fields.GetValueOrDefault("id");
        if (Text(entity, "areaServed") is { } district)
        {
            fields["district"] = district;
        }

        if (PointOf(entity) is { } point)
        {
            fields["latitude"] = point.Latitude.ToString("R", CultureInfo.InvariantCulture);
            fields["longitude"] = point.Longitude.ToString("R", CultureInfo.InvariantCulture);
        }
        else
        {
            problems.Add(new("location", "is required: a GeoJSON Point, [longitude, latitude] (a device is placed on the map)"));
        }

        return (fields, problems);
    }

    /// <summary>The Alert model's severity as an incident priority.</summary>
    public static Priority PriorityOf(string severity) => severity switch
    {
        "critical" or "high" => Priority.P1,
        "medium" => Priority.P2,
        "low" => Priority.P3,
        _ => Priority.P4,
    };

    /// <summary>An incident priority as the Alert model's severity.</summary>
    public static string SeverityOf(Priority priority) => priority switch
    {
        Priority.P1 => "critical",
        Priority.P2 => "high",
        Priority.P3 => "medium",
        _ => "low",
    };

    /// <summary>An incident type as the Alert model's category and subcategory.</summary>
    public static (string Category, string? SubCategory) CategoryOf(IncidentType type) => type switch
    {
        IncidentType.ChemicalLeak => ("environment", "airPollution"),
        IncidentType.Fire => ("security", "buildingFire"),
        IncidentType.Flood => ("naturalDisaster", "flood"),
        IncidentType.RoadAccident => ("traffic", "carAccident"),
        IncidentType.StoppedVehicle => ("traffic", "carStopped"),
        IncidentType.TrafficSignalFault => ("traffic", "hazardOnRoad"),
        IncidentType.Intrusion or IncidentType.Loitering => ("security", "suspiciousAction"),
        IncidentType.Crowding => ("security", "crowdRisk"),
        IncidentType.CameraTampering => ("security", "suspiciousAction"),
        IncidentType.ExternalWarning => ("weather", null),
        _ => ("security", null),
    };
}
