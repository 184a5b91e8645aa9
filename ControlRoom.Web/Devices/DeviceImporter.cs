using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using CityControl.Devices;
using CityControl.Web.Api;
using CityControl.Rules.Security;
using CityControl.Rules.Devices;
using CityControl.Rules.Ngsi;

namespace CityControl.Web.Devices;

/// <summary>One row of an import: its number in the file, and either a definition or the rules it broke.</summary>
public sealed record ImportRow(int Row, string? Id, DeviceDefinition? Definition, IReadOnlyList<RuleViolation> Errors);

public sealed record ParsedImport(IReadOnlyList<ImportRow> Rows, RuleViolation? FileError = null);

public sealed record ImportAccepted(int Row, string Id, string? Username, string? Secret);

public sealed record ImportRejected(int Row, string? Id, string Field, string Reason);

public sealed record ImportReport(
    bool DryRun,
    bool Atomic,
    bool AtomicRefused,
    int Total,
    IReadOnlyList<ImportAccepted> Accepted,
    IReadOnlyList<ImportRejected> Rejected);

/// <summary>
/// Bulk onboarding from CSV (one device per line, a header naming the columns) or GeoJSON (one Point feature per
/// device, the same names as properties). Rows are numbered as a spreadsheet shows them: the CSV header is row 1;
/// GeoJSON features count from 1.
/// </summary>
public sealed class DeviceImporter(IGrainFactory grains)
{
    public static readonly ImmutableArray<string> Columns =
    [
        "id", "kind", "name", "latitude", "longitude", "district", "zone", "heartbeatSeconds",
        "streamUrl", "bearingDegrees", "fieldOfViewDegrees", "rangeMeters",
        "cycleSeconds", "controllerAddress",
        "gas", "unit", "low", "high", "twa", "stel",
        "fullScale", "rateOfRisePerMinute", "deadbandPercent", "delayOnSeconds", "flatlineMinutes",
        "referenceLevel", "alertLevel", "dangerLevel", "rateOfRisePerHour",
        "warningType", "warningRangeMeters",
    ];

    private const int MaxRows = 20_000;
    private const int Parallelism = 16;

    public static ParsedImport ParseCsv(string text)
    {
        using var records = CsvRecords.Read(text).GetEnumerator();
        if (!records.MoveNext())
        {
            return new([], new("body", "the CSV is empty; the first line must name the columns"));
        }

        var header = records.Current.Fields;
        var columns = new string?[header.Count];
        for (var i = 0; i < header.Count; i++)
        {
            columns[i] = Columns.FirstOrDefault(c => string.Equals(c, header[i], StringComparison.OrdinalIgnoreCase));
            if (columns[i] is null && header[i].Length > 0)
            {
                return new([], new($"column '{header[i]}'", $"is not a known column; known columns are {string.Join(", ", Columns)}"));
            }
        }

        foreach (var required in new[] { "id", "kind", "latitude", "longitude" })
        {
            if (!columns.Contains(required))
            {
                return new([], new($"column '{required}'", "is required in the header"));
            }
        }

        var rows = new List<ImportRow>();
        while (records.MoveNext())
        {
            var record = records.Current.Fields;
            if (record.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }

            if (rows.Count >= MaxRows)
            {
                return new([], new("body", $"has more than {MaxRows} rows; split the file"));
            }

            var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
            for (var i = 0; i < columns.Length && i < record.Count; i++)
            {
                if (columns[i] is { } column && !string.IsNullOrWhiteSpace(record[i]))
                {
                    fields[column] = record[i];
                }
            }

            var extra = record.Count > columns.Length && record.Skip(columns.Length).Any(v => !string.IsNullOrWhiteSpace(v));
            rows.Add(FromFields(records.Current.Line, fields, extra ? new RuleViolation("row", $"has {record.Count} cells but the header names {columns.Length} columns") : null));
        }

        return new(rows);
    }

    public static ParsedImport ParseGeoJson(string text)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text);
        }
        catch (JsonException ex)
        {
            return new([], new("body", $"is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})"));
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || !type.ValueEquals("FeatureCollection")
                || !doc.RootElement.TryGetProperty("features", out var features) || features.ValueKind != JsonValueKind.Array)
            {
                return new([], new("type", "must be a GeoJSON FeatureCollection with a 'features' array"));
            }

            if (features.GetArrayLength() > MaxRows)
            {
                return new([], new("features", $"has more than {MaxRows} features; split the file"));
            }

            var rows = new List<ImportRow>();
            var number = 0;
            foreach (var feature in features.EnumerateArray())
            {
                number++;
                rows.Add(FromFeature(number, feature));
            }

            return new(rows);
        }
    }

    /// <summary>
    /// FIWARE NGSI-LD Device entities (Smart Data Models), an array of them or one, in either form; each is a row,
    /// numbered from 1 (see <see cref="NgsiLdMapping.DeviceFields"/> for what each attribute becomes).
    /// </summary>
    public static ParsedImport ParseNgsiLd(string text)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException ex)
        {
            return new([], new("body", $"is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})"));
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > MaxRows)
            {
                return new([], new("body", $"has more than {MaxRows} entities; split the file"));
            }

            var entities = root.ValueKind == JsonValueKind.Array ? [.. root.EnumerateArray()] : new[] { root };
            var rows = new List<ImportRow>(entities.Length);
            for (var i = 0; i < entities.Length; i++)
            {
                rows.Add(FromNgsiDevice(i + 1, entities[i]));
            }

            return new(rows);
        }
    }

    /// <summary>One NGSI-LD Device entity as an import row; text that is not Unicode is the row's error.</summary>
    public static ImportRow FromNgsiDevice(int row, JsonElement entity)
    {
        if (NgsiLdMapping.TypeOf(entity) != "Device")
        {
            return new(row, NgsiLdMapping.IdOf(entity), null, [new("type", "must be Device")]);
        }

        try
        {
            var (fields, problems) = NgsiLdMapping.DeviceFields(entity, Columns);
            var mapped = FromFields(row, fields, null);
            // The entity's own attribute names its problem, not the import column it would have filled.
            static string AttributeOf(string column) => column switch
            {
                "kind" => "controlledProperty",
                "latitude" or "longitude" => "location",
                "district" => "areaServed",
                "id" or "name" => column,
                _ => column.StartsWith("configuration", StringComparison.Ordinal) ? column : "configuration." + column.Split('.')[0],
            };
            var errors = problems.Concat(mapped.Errors.Where(e => !problems.Any(p => p.Field == AttributeOf(e.Field))).Select(e => e with { Field = AttributeOf(e.Field) })).ToList();
            return errors.Count == 0 ? mapped : mapped with { Definition = null, Errors = errors };
        }
        catch (InvalidOperationException)
        {
            return new(row, null, null, [new("entity", "holds text that is not valid Unicode")]);
        }
    }

    public async Task<ImportReport> ImportAsync(IReadOnlyList<ImportRow> rows, bool dryRun, bool atomic)
    {
        var rejected = new List<ImportRejected>();
        foreach (var row in rows.Where(r => r.Errors.Count > 0))
        {
            rejected.AddRange(row.Errors.Select(e => new ImportRejected(row.Row, row.Id, e.Field, e.Message)));
        }

        var candidates = new List<ImportRow>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows.Where(r => r.Definition is not null))
        {
            if (seen.TryGetValue(row.Definition!.Id, out var first))
            {
                rejected.Add(new(row.Row, row.Id, "id", $"repeats the id of row {first}"));
                continue;
            }

            seen[row.Definition.Id] = row.Row;
            candidates.Add(row);
        }

        var existing = await ExistingIds(candidates.Select(c => c.Definition!.Id));
        foreach (var row in candidates.Where(c => existing.Contains(c.Definition!.Id)))
        {
            rejected.Add(new(row.Row, row.Id, "id", "a device with this id already exists"));
        }

        candidates.RemoveAll(c => existing.Contains(c.Definition!.Id));
        if (dryRun || (atomic && rejected.Count > 0))
        {
            var wouldAccept = candidates.Select(c => new ImportAccepted(c.Row, c.Definition!.Id, null, null)).ToList();
            return new ImportReport(dryRun, atomic, atomic && rejected.Count > 0, rows.Count, dryRun ? wouldAccept : [], Sorted(rejected));
        }

        var accepted = new List<ImportAccepted>();
        await Parallel.ForEachAsync(candidates, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (row, _) =>
        {
            var definition = row.Definition!;
            var secret = CredentialHashes.NewSecret();
            try
            {
                await grains.GetDevice(definition.Kind, definition.Id).Onboard(definition, CredentialHashes.Hash(secret));
                lock (accepted)
                {
                    accepted.Add(new ImportAccepted(row.Row, definition.Id, "device:" + definition.Id, secret));
                }
            }
            catch (Exception ex) when (ex is DeviceConflictException or DeviceRuleException)
            {
                lock (rejected)
                {
                    rejected.Add(new ImportRejected(row.Row, definition.Id, ex is DeviceRuleException r ? r.Field ?? "row" : "id", ex.Message));
                }
            }
        });

        return new ImportReport(false, atomic, false, rows.Count, accepted.OrderBy(a => a.Row).ToList(), Sorted(rejected));
    }

    private static List<ImportRejected> Sorted(List<ImportRejected> rejected) => rejected.OrderBy(r => r.Row).ToList();

    private async Task<HashSet<string>> ExistingIds(IEnumerable<string> ids)
    {
        var lookups = ids.GroupBy(DeviceGrains.DirectoryPartitionOf)
            .Select(g => grains.GetGrain<IDeviceDirectoryGrain>(g.Key).Find([.. g]));
        var found = await Task.WhenAll(lookups);
        return found.SelectMany(f => f).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
    }

    private static ImportRow FromFeature(int number, JsonElement feature)
    {
        var errors = new List<RuleViolation>();
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (feature.ValueKind == JsonValueKind.Object && feature.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                var column = Columns.FirstOrDefault(c => string.Equals(c, property.Name, StringComparison.OrdinalIgnoreCase));
                if (column is null or "latitude" or "longitude")
                {
                    continue;
                }

                fields[column] = property.Value.ValueKind switch
                {
                    JsonValueKind.String => TextOf(property.Value, column, errors),
                    JsonValueKind.Number => property.Value.GetRawText(),
                    JsonValueKind.True or JsonValueKind.False => property.Value.GetRawText(),
                    _ => null,
                };
            }
        }
        else
        {
            errors.Add(feature.ValueKind == JsonValueKind.Object
                ? new("properties", "each feature needs a properties object")
                : new("features", $"item {number} must be a GeoJSON Feature object"));
        }

        if (feature.ValueKind == JsonValueKind.Object
            && feature.TryGetProperty("geometry", out var geometry) && geometry.ValueKind == JsonValueKind.Object
            && geometry.TryGetProperty("type", out var geometryType) && geometryType.ValueKind == JsonValueKind.String && geometryType.ValueEquals("Point")
            && geometry.TryGetProperty("coordinates", out var coordinates) && coordinates.ValueKind == JsonValueKind.Array
            && coordinates.GetArrayLength() >= 2
            && coordinates[0].ValueKind == JsonValueKind.Number && coordinates[1].ValueKind == JsonValueKind.Number)
        {
            fields["longitude"] = coordinates[0].GetRawText();
            fields["latitude"] = coordinates[1].GetRawText();
        }
        else
        {
            errors.Add(new("geometry", "must be a Point with [longitude, latitude] coordinates"));
        }

        return FromFields(number, fields, errors.FirstOrDefault());
    }

    /// <summary>A string property's text; bytes that are not UTF-8 are the row's error, not an exception.</summary>
    private static string? TextOf(JsonElement value, string column, List<RuleViolation> errors)
    {
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            errors.Add(new(column, "is not valid UTF-8 (or holds a lone surrogate)"));
            return null;
        }
    }

    /// <summary>Maps one row's cells (by column name) to a device request and validates it like a JSON onboarding.</summary>
    public static ImportRow FromFields(int row, Dictionary<string, string?> f, RuleViolation? structuralError)
    {
        var errors = new List<RuleViolation>();
        if (structuralError is not null)
        {
            errors.Add(structuralError);
        }

        double? Number(string column)
        {
            if (!f.TryGetValue(column, out var text) || string.IsNullOrWhiteSpace(text))
            {
                return null;
            }

            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
            {
                return value;
            }

            errors.Add(new(column, $"'{text}' is not a number"));
            return null;
        }

        string? Text(string column) => f.GetValueOrDefault(column);

        var kindText = Text("kind");
        DeviceKind? kind = DeviceRequestMapper.TryParseKind(kindText, out var parsedKind) ? parsedKind : null;
        var latitude = Number("latitude");
        var longitude = Number("longitude");
        var request = new DeviceRequest(
            Text("id"), kindText, Text("name") ?? Text("id"),
            latitude is { } lat && longitude is { } lon ? new GeoPoint(lat, lon) : null,
            Text("district"), Text("zone"), Number("heartbeatSeconds"),
            kind == DeviceKind.Camera ? new CameraSettings(Text("streamUrl"), Number("bearingDegrees"), Number("fieldOfViewDegrees"), Number("rangeMeters")) : null,
            kind == DeviceKind.TrafficSignal ? new TrafficSignalSettings(Number("cycleSeconds") ?? 120, [], Text("controllerAddress")) : null,
            kind == DeviceKind.GasSensor ? new GasSensorSettings(
                Text("gas") ?? "", Text("unit") ?? "", Number("low"), Number("high"), Number("twa"), Number("stel"),
                Number("fullScale"), Number("rateOfRisePerMinute"), Number("deadbandPercent"), Number("delayOnSeconds"), Number("flatlineMinutes")) : null,
            kind == DeviceKind.FloodSensor && (Number("referenceLevel"), Number("alertLevel"), Number("dangerLevel")) is ({ } reference, { } alert, { } danger)
                ? new FloodSensorSettings(reference, alert, danger, Number("rateOfRisePerHour"))
                : null,
            kind == DeviceKind.WarningDevice ? WarningOf(Text("warningType"), Number("warningRangeMeters"), errors) : null);

        static WarningDeviceSettings? WarningOf(string? type, double? range, List<RuleViolation> errors)
        {
            if (!Enum.TryParse<WarningDeviceType>(type, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
            {
                errors.Add(new("warningType", type is null ? "is required for a warning device (siren, loudspeaker, messageSign)" : $"'{type}' is not siren, loudspeaker or messageSign"));
                return null;
            }

            return new WarningDeviceSettings(parsed, range ?? 300);
        }

        if (latitude is null || longitude is null)
        {
            var missing = latitude is null ? "latitude" : "longitude";
            if (!errors.Any(e => e.Field == missing || e.Field == "geometry"))
            {
                errors.Add(new(missing, "is required"));
            }
        }

        var (definition, ruleErrors) = DeviceRequestMapper.ToDefinition(request);
        var reported = errors.Select(e => e.Field).ToHashSet(StringComparer.Ordinal);
        foreach (var error in ruleErrors)
        {
            // Rows name the columns they came from: location.latitude is the latitude column.
            var field = error.Field switch
            {
                "location.latitude" => "latitude",
                "location.longitude" => "longitude",
                _ => error.Field,
            };
            if (field != "location" && !reported.Contains(field) && !reported.Contains(field.Split('.').Last()))
            {
                errors.Add(error with { Field = field });
            }
        }
        return new ImportRow(row, request.Id, errors.Count == 0 ? definition : null, errors);
    }
}
