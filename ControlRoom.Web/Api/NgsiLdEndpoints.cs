using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CityControl.Devices;
using CityControl.Incidents;
using CityControl.Rules;
using CityControl.Rules.Devices;
using CityControl.Rules.Incidents;
using CityControl.Rules.Ngsi;
using CityControl.Security;
using CityControl.Web.Devices;
using CityControl.Web.Ingest;
using CityControl.Web.Security;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace CityControl.Web.Api;

/// <summary>One entity of a batch that was not taken, with the NGSI-LD problem details of why.</summary>
public sealed record NgsiBatchError(string EntityId, NgsiProblem Error);

/// <summary>NGSI-LD's problem details (ETSI GS CIM 009, 5.5.2).</summary>
public sealed record NgsiProblem(string Type, string Title, string Detail);

/// <summary>The entity a create took (its address is in Location).</summary>
public sealed record NgsiCreated(string Id);

/// <summary>A batch operation's answer (207): the entities taken and those refused.</summary>
public sealed record NgsiBatchResult(IReadOnlyList<string> Success, IReadOnlyList<NgsiBatchError> Errors);

/// <summary>
/// FIWARE NGSI-LD, the subset a context broker or a partner city uses with this platform (ETSI GS CIM 009): entities
/// in (create, batch upsert, and the notification endpoint of subscriptions made at an external broker), through the
/// same ingest path as every other protocol for readings; and the platform's devices and open incidents out, as the
/// Smart Data Models' Device and Alert, with a JSON-LD context served by the platform itself (control rooms are often
/// offline).
/// </summary>
public static class NgsiLdEndpoints
{
    public const string Base = "/ngsi-ld/v1";
    public const string ContextPath = "/ngsi-ld/contexts/citycontrol.jsonld";
    public const string LdJson = "application/ld+json";
    private const string ErrorBase = "https://uri.etsi.org/ngsi-ld/errors/";
    private const int MaxEntitiesPerBatch = 1000;
    private const long MaxBytes = 4 * 1024 * 1024;

    public static IEndpointRouteBuilder MapNgsiLdEndpoints(this IEndpointRouteBuilder app)
    {
        var ngsi = app.MapGroup(Base).WithTags("NGSI-LD");
        ngsi.MapPost("/entities", Create).RequireAuthorization(Policies.Ingest).RequireRateLimiting(IngestFeature.IngestRateLimit)
            .Accepts<JsonObject>("application/json", LdJson)
            .Produces<NgsiCreated>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("One NGSI-LD entity (AirQualityObserved, WaterObserved, FloodMonitoring, TrafficFlowObserved: readings of the device it names; Alert: an external-warning incident).");
        ngsi.MapPost("/entityOperations/upsert", Upsert).RequireAuthorization(Policies.Ingest).RequireRateLimiting(IngestFeature.IngestRateLimit)
            .Accepts<JsonArray>("application/json", LdJson)
            .Produces(StatusCodes.Status204NoContent)
            .Produces<NgsiBatchResult>(StatusCodes.Status207MultiStatus)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithSummary("A batch of NGSI-LD entities, each taken or refused on its own (204 when all are taken, 207 listing each refusal).");
        ngsi.MapPost("/notify", Notify).RequireAuthorization(Policies.Ingest).RequireRateLimiting(IngestFeature.IngestRateLimit)
            .Accepts<JsonObject>("application/json", LdJson)
            .Produces<NgsiBatchResult>()
            .WithSummary("The notification endpoint for a subscription made at an external context broker: its data entities, taken as by the batch upsert.");
        ngsi.MapGet("/entities", List).RequireAuthorization(Policies.Staff).RequireRateLimiting(ApiFeature.QueryRateLimit)
            .Produces<JsonArray>(contentType: LdJson)
            .WithSummary("The platform's devices (type=Device, with live state) or open incidents (type=Alert) as NGSI-LD entities, normalized.");
        ngsi.MapGet("/entities/{id}", Get).RequireAuthorization(Policies.Staff).RequireRateLimiting(ApiFeature.QueryRateLimit)
            .Produces<JsonObject>(contentType: LdJson)
            .WithSummary("One device (urn:ngsi-ld:Device:<id>) or incident (urn:ngsi-ld:Alert:<id>) as an NGSI-LD entity.");
        // A document, not an operation: anyone expanding what the platform serves may read it.
        app.MapGet(ContextPath, () => Results.Text(Context.ToJsonString(), LdJson)).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// Self-contained: the NGSI-LD core terms it uses and the Smart Data Models terms of Device and Alert, so that a
    /// reader needs nothing from the internet to expand what the platform serves.
    /// </summary>
    public static readonly JsonObject Context = new()
    {
        ["@context"] = new JsonObject
        {
            ["ngsi-ld"] = "https://uri.etsi.org/ngsi-ld/",
            ["sdm-device"] = "https://smartdatamodels.org/dataModel.Device/",
            ["sdm-alert"] = "https://smartdatamodels.org/dataModel.Alert/",
            ["schema"] = "https://schema.org/",
            ["id"] = "@id",
            ["type"] = "@type",
            ["Property"] = "ngsi-ld:Property",
            ["GeoProperty"] = "ngsi-ld:GeoProperty",
            ["Relationship"] = "ngsi-ld:Relationship",
            ["value"] = "ngsi-ld:hasValue",
            ["object"] = new JsonObject { ["@id"] = "ngsi-ld:hasObject", ["@type"] = "@id" },
            ["observedAt"] = new JsonObject { ["@id"] = "ngsi-ld:observedAt", ["@type"] = "DateTime" },
            ["unitCode"] = "ngsi-ld:unitCode",
            ["location"] = "ngsi-ld:location",
            ["DateTime"] = "ngsi-ld:DateTime",
            ["name"] = "schema:name",
            ["description"] = "schema:description",
            ["Device"] = "sdm-device:Device",
            ["deviceCategory"] = "sdm-device:deviceCategory",
            ["controlledProperty"] = "sdm-device:controlledProperty",
            ["configuration"] = "sdm-device:configuration",
            ["deviceState"] = "sdm-device:deviceState",
            ["dateLastValueReported"] = "sdm-device:dateLastValueReported",
            ["areaServed"] = "sdm-device:areaServed",
            ["value_"] = "sdm-device:value",
            ["Alert"] = "sdm-alert:Alert",
            ["alertSource"] = "sdm-alert:alertSource",
            ["category"] = "sdm-alert:category",
            ["subCategory"] = "sdm-alert:subCategory",
            ["severity"] = "sdm-alert:severity",
            ["dateIssued"] = "sdm-alert:dateIssued",
            ["validFrom"] = "sdm-alert:validFrom",
        },
    };

    private static async Task<IResult> Create(HttpContext context, IngestService ingest, IGrainFactory grains, IOptions<CapOptions> cap, CityClock clock, CancellationToken ct)
    {
        var (body, error) = await ReadAsync(context, ct);
        if (error is not null)
        {
            return error;
        }

        if (body!.RootElement.ValueKind != JsonValueKind.Object)
        {
            return Problem(StatusCodes.Status400BadRequest, "BadRequestData", "body", "must be one entity, a JSON object");
        }

        using (body)
        {
            var outcome = await TakeOneAsync(body.RootElement, context, ingest, grains, cap.Value, clock, mayUpdate: false, ct);
            return outcome.Error is { } problem
                ? Problem(problem.Type == ErrorBase + "AlreadyExists" ? StatusCodes.Status409Conflict : problem.Type == ErrorBase + "Forbidden" ? StatusCodes.Status403Forbidden : StatusCodes.Status422UnprocessableEntity, problem)
                : Results.Created($"{Base}/entities/{Uri.EscapeDataString(outcome.EntityId)}", new NgsiCreated(outcome.EntityId));
        }
    }

    private static async Task<IResult> Upsert(HttpContext context, IngestService ingest, IGrainFactory grains, IOptions<CapOptions> cap, CityClock clock, CancellationToken ct)
    {
        var (body, error) = await ReadAsync(context, ct);
        if (error is not null)
        {
            return error;
        }

        using (body)
        {
            if (body!.RootElement.ValueKind != JsonValueKind.Array)
            {
                return Problem(StatusCodes.Status400BadRequest, "BadRequestData", "body", "must be an array of entities");
            }

            var result = await TakeAllAsync(body.RootElement, context, ingest, grains, cap.Value, clock, ct);
            return result is IResult refusal ? refusal
                : ((NgsiBatchResult)result).Errors.Count == 0 ? Results.NoContent()
                : Results.Json(result, statusCode: StatusCodes.Status207MultiStatus);
        }
    }

    private static async Task<IResult> Notify(HttpContext context, IngestService ingest, IGrainFactory grains, IOptions<CapOptions> cap, CityClock clock, CancellationToken ct)
    {
        var (body, error) = await ReadAsync(context, ct);
        if (error is not null)
        {
            return error;
        }

        using (body)
        {
            if (body!.RootElement.ValueKind != JsonValueKind.Object || !body.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            {
                return Problem(StatusCodes.Status400BadRequest, "BadRequestData", "data", "is required: a notification carries its entities in data");
            }

            var result = await TakeAllAsync(data, context, ingest, grains, cap.Value, clock, ct);
            return result as IResult ?? Results.Ok(result);
        }
    }

    private static async Task<object> TakeAllAsync(JsonElement entities, HttpContext context, IngestService ingest, IGrainFactory grains, CapOptions cap, CityClock clock, CancellationToken ct)
    {
        if (entities.GetArrayLength() > MaxEntitiesPerBatch)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, "RequestEntityTooLarge", "body", $"holds {entities.GetArrayLength()} entities; at most {MaxEntitiesPerBatch} per request");
        }

        var success = new List<string>();
        var errors = new List<NgsiBatchError>();
        var index = 0;
        foreach (var entity in entities.EnumerateArray())
        {
            var outcome = await TakeOneAsync(entity, context, ingest, grains, cap, clock, mayUpdate: true, ct);
            if (outcome.Error is { } problem)
            {
                errors.Add(new(outcome.EntityId.Length > 0 ? outcome.EntityId : $"[{index}]", problem));
            }
            else
            {
                success.Add(outcome.EntityId);
            }

            index++;
        }

        return new NgsiBatchResult(success, errors);
    }

    /// <summary>One entity, or why not; text that is not Unicode (an escaped lone surrogate) refuses that entity alone.</summary>
    private static async Task<(string EntityId, NgsiProblem? Error)> TakeOneAsync(JsonElement entity, HttpContext context, IngestService ingest, IGrainFactory grains, CapOptions cap, CityClock clock, bool mayUpdate, CancellationToken ct)
    {
        try
        {
            return await TakeAsync(entity, context, ingest, grains, cap, clock, mayUpdate, ct);
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("UTF", StringComparison.Ordinal) || ex.InnerException is DecoderFallbackException or EncoderFallbackException)
        {
            return ("", Bad("BadRequestData", "entity", "holds text that is not valid Unicode"));
        }
    }

    /// <summary>One entity: its readings through the ingest path, its alert as an incident, or its device onboarded.</summary>
    private static async Task<(string EntityId, NgsiProblem? Error)> TakeAsync(JsonElement entity, HttpContext context, IngestService ingest, IGrainFactory grains, CapOptions cap, CityClock clock, bool mayUpdate, CancellationToken ct)
    {
        var id = NgsiLdMapping.IdOf(entity) ?? "";
        var type = NgsiLdMapping.TypeOf(entity);
        if (id.Length == 0 || type is null)
        {
            return (id, Bad("BadRequestData", id.Length == 0 ? "id" : "type", "is required: an entity has an id (a URI) and a type"));
        }

        if (type == "Alert")
        {
            return (id, await AlertAsync(entity, context, grains, cap, ct));
        }

        if (type == "Device")
        {
            return (id, await DeviceAsync(entity, context, grains, mayUpdate));
        }

        if (!NgsiLdMapping.ObservationTypes.Contains(type))
        {
            return (id, Bad("BadRequestData", "type", $"'{type}' is not an entity type this platform takes ({string.Join(", ", NgsiLdMapping.ObservationTypes)}, Alert, Device)"));
        }

        if (NgsiLdMapping.DeviceOf(entity) is not { Length: > 0 and <= DeviceRules.MaxIdLength } deviceId)
        {
            return (id, Bad("BadRequestData", "refDevice", "names no device of this platform (refDevice, stationID, stationCode, refPointOfInterest or the entity id's local part)"));
        }

        var found = await grains.GetDirectoryFor(deviceId).Find([deviceId]);
        if (found.IsEmpty)
        {
            return (id, Bad("ResourceNotFound", "refDevice", $"device '{deviceId}' is not onboarded"));
        }

        string? gas = null;
        if (found[0].Kind == DeviceKind.GasSensor)
        {
            gas = (await grains.GetDevice(DeviceKind.GasSensor, deviceId).GetSnapshot())?.Definition.GasSensor?.Gas;
        }

        var (readings, problems) = NgsiLdMapping.Readings(entity, found[0].Kind, gas);
        if (readings.Count == 0)
        {
            return (id, Bad("BadRequestData", problems.FirstOrDefault()?.Field ?? "entity", problems.FirstOrDefault()?.Message ?? "holds no reading"));
        }

        try
        {
            var result = await ingest.IngestAsync(TelemetryEndpoints.PrincipalOf(context.User),
                [.. readings.Select(r => new IncomingReading(deviceId, r.At, r.Metric, r.Value, r.Unit))], ct);
            if (result.Accepted == 0)
            {
                var first = result.Rejections[0];
                return (id, Bad("BadRequestData", first.Field, first.Reason));
            }

            // Taken (some of its attributes may have been refused: a partial entity is still the device's news).
            return (id, null);
        }
        catch (JournalUnavailableException ex)
        {
            return (id, new NgsiProblem(ErrorBase + "InternalError", "The ingest journal cannot be written now; nothing of this entity was taken.", ex.Message));
        }
    }

    /// <summary>An Alert opens an external-warning incident, once per entity id; a later version with another description adds a note.</summary>
    private static async Task<NgsiProblem?> AlertAsync(JsonElement entity, HttpContext context, IGrainFactory grains, CapOptions cap, CancellationToken ct)
    {
        var (alert, problems) = NgsiLdMapping.AlertOf(entity);
        if (alert is null)
        {
            return Bad("BadRequestData", problems[0].Field, problems[0].Message);
        }

        var incidentId = IncidentIdOf(alert.EntityId);
        var grain = grains.GetGrain<IIncidentGrain>(incidentId);
        var actor = new Actor(ChangedBy(context), [Roles.Operator]);
        var title = $"{alert.Category}{(alert.SubCategory is { } sub ? "/" + sub : "")}: {(alert.Description.Length > 0 ? alert.Description : alert.EntityId)}";
        if (await grain.GetDetail() is { } existing)
        {
            if (!IncidentLifecycle.Terminal.Contains(existing.Summary.Status) && !existing.Timeline.Any(t => t.Detail.Contains(alert.Description, StringComparison.Ordinal)))
            {
                try
                {
                    await grain.Act(new IncidentAction(IncidentActionKind.AddNote, Text: $"NGSI-LD update of {alert.EntityId}: {alert.Description} (severity {alert.Severity})"), actor);
                }
                catch (IncidentRuleException ex)
                {
                    return Bad("OperationNotSupported", "entity", ex.Message);
                }
            }

            return null;
        }

        await grain.Open(new IncidentOpening(
            IncidentType.ExternalWarning, NgsiLdMapping.PriorityOf(alert.Severity), title.Length > 200 ? title[..200] : title,
            $"NGSI-LD Alert {alert.EntityId} from {alert.Source}: {alert.Description}", cap.District, alert.SubCategory ?? alert.Category,
            alert.Location ?? cap.CityCentre, alert.Issued, actor.Name));
        return null;
    }

    /// <summary>Who did what an NGSI-LD request did, for devices' and incidents' histories: <c>ngsi-ld:gateway:&lt;id&gt;</c>.</summary>
    private static string ChangedBy(HttpContext context) =>
        "ngsi-ld:" + (context.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "partner");

    /// <summary>
    /// A Device entity from a gateway (a partner's context broker whose credential covers the device's district): a
    /// new device is onboarded, provisioned until its first reading, as a device import onboards it (its own
    /// credential, not returned here, is for an admin to hand out by rotating it); an existing one of the same kind,
    /// by an upsert or a notification, takes the entity's name, place, district and settings. A device's own
    /// credential may not onboard devices.
    /// </summary>
    private static async Task<NgsiProblem?> DeviceAsync(JsonElement entity, HttpContext context, IGrainFactory grains, bool mayUpdate)
    {
        var principal = TelemetryEndpoints.PrincipalOf(context.User);
        if (principal.DeviceId is not null)
        {
            return Bad("Forbidden", "type", "a device's credential may not onboard devices: Device entities come from a gateway or an admin's import");
        }

        var row = DeviceImporter.FromNgsiDevice(1, entity);
        if (row.Definition is not { } definition)
        {
            // What only an admin can give (a place, a kind this platform watches, a district, the zone it belongs to)
            // makes it an announced device, kept for an admin to onboard or dismiss; anything else wrong is refused.
            var given = NgsiLdMapping.DeviceFields(entity, DeviceImporter.Columns).Fields;
            bool ForAnAdmin(RuleViolation e) => e.Field is "controlledProperty" or "location" or "areaServed"
                || (e.Field == "configuration.zone" && string.IsNullOrEmpty(given.GetValueOrDefault("zone")));
            var wrong = row.Errors.FirstOrDefault(e => !ForAnAdmin(e));
            return row.Id is { Length: > 0 } announced && wrong is null
                ? await AnnounceAsync(entity, announced, given, row.Errors, principal, context, grains)
                : Bad("BadRequestData", (wrong ?? row.Errors[0]).Field, (wrong ?? row.Errors[0]).Message);
        }

        if (!principal.GatewayDistricts.Contains(definition.District, StringComparer.OrdinalIgnoreCase))
        {
            return Bad("Forbidden", "areaServed", $"'{definition.District}' is not a district this gateway serves");
        }

        var found = await grains.GetDirectoryFor(definition.Id).Find([definition.Id]);
        if (found.IsEmpty)
        {
            var report = await context.RequestServices.GetRequiredService<DeviceImporter>().ImportAsync([row], dryRun: false, atomic: true);
            return report.Rejected.Count > 0 && report.Rejected[0] is var refused ? Bad(refused.Field == "id" ? "AlreadyExists" : "BadRequestData", refused.Field, refused.Reason) : null;
        }

        var existing = found[0];
        if (!mayUpdate)
        {
            return Bad("AlreadyExists", "id", $"device '{definition.Id}' is already onboarded; an upsert updates it");
        }

        if (existing.Kind != definition.Kind || !principal.MaySendFor(existing))
        {
            return Bad("Forbidden", existing.Kind != definition.Kind ? "controlledProperty" : "areaServed",
                existing.Kind != definition.Kind ? $"device '{definition.Id}' is a {existing.Kind}, not a {definition.Kind}" : $"device '{definition.Id}' is in a district this gateway does not serve");
        }

        try
        {
            // What the entity does not carry stays as it is: a camera's stream and owner, a signal's phase timings and
            // controller address (never served), a heartbeat the entity's configuration does not give.
            var device = grains.GetDevice(existing.Kind, definition.Id);
            var current = (await device.GetSnapshot())?.Definition;
            var camera = definition.Camera is { } c && current?.Camera is { } was
                ? c with
                {
                    StreamUrl = c.StreamUrl ?? was.StreamUrl, BearingDegrees = c.BearingDegrees ?? was.BearingDegrees,
                    FieldOfViewDegrees = c.FieldOfViewDegrees ?? was.FieldOfViewDegrees, RangeMeters = c.RangeMeters ?? was.RangeMeters,
                    Owner = c.Owner ?? was.Owner, Purposes = c.Purposes ?? was.Purposes,
                }
                : definition.Camera;
            var signal = definition.TrafficSignal is { } t && current?.TrafficSignal is { } old
                ? t with { Phases = t.Phases.IsDefaultOrEmpty ? old.Phases : t.Phases, ControllerAddress = t.ControllerAddress ?? old.ControllerAddress }
                : definition.TrafficSignal;
            var heartbeatGiven = NgsiLdMapping.DeviceFields(entity, DeviceImporter.Columns).Fields.ContainsKey("heartbeatSeconds");
            await device.Update(
                new DeviceUpdate(definition.Name, definition.Location, definition.District, definition.Zone, heartbeatGiven ? definition.HeartbeatInterval : null, null,
                    camera, signal, definition.GasSensor, definition.FloodSensor, definition.WarningDevice),
                ChangedBy(context));
            return null;
        }
        catch (DeviceRuleException ex)
        {
            return Bad("BadRequestData", ex.Field ?? "entity", ex.Message);
        }
    }

    /// <summary>
    /// A Device entity a gateway sent that is no device yet (see <see cref="DeviceAnnouncement"/>): kept with the entity
    /// as it came, in the gateway's district when it names none and the gateway serves one. One of an existing device
    /// is refused instead: an update must be whole.
    /// </summary>
    private static async Task<NgsiProblem?> AnnounceAsync(JsonElement entity, string id, Dictionary<string, string?> fields, IReadOnlyList<RuleViolation> missing, IngestPrincipal principal, HttpContext context, IGrainFactory grains)
    {
        var district = fields.GetValueOrDefault("district") ?? (principal.GatewayDistricts.Length == 1 ? principal.GatewayDistricts[0] : null);
        if (district is not null && !principal.GatewayDistricts.Contains(district, StringComparer.OrdinalIgnoreCase))
        {
            return Bad("Forbidden", "areaServed", $"'{district}' is not a district this gateway serves");
        }

        if (!(await grains.GetDirectoryFor(id).Find([id])).IsEmpty)
        {
            return Bad("BadRequestData", missing[0].Field, $"{missing[0].Message} (device '{id}' exists: an update must carry it)");
        }

        var raw = entity.GetRawText();
        var now = context.RequestServices.GetRequiredService<CityClock>().UtcNow;
        await grains.AnnouncementsFor(id).Announce(new DeviceAnnouncement(
            id, fields.GetValueOrDefault("name") ?? id, district, ChangedBy(context), [.. NgsiLdMapping.ControlledPropertiesIn(entity)],
            [.. missing.Where(m => m.Field != "areaServed" || district is null).Select(m => $"{m.Field}: {m.Message}")], now, now, 1,
            raw.Length <= DeviceAnnouncements.MaxEntityChars ? raw : null));
        return null;
    }

    /// <summary>The incident an Alert entity opens: one per entity id.</summary>
    public static string IncidentIdOf(string entityId) =>
        "ngsi-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(entityId)))[..16];

    private static async Task<IResult> List(HttpContext context, string? type, int? limit, int? offset, string? options, IGrainFactory grains, CityClock clock)
    {
        if (Form(options) is not { } keyValues)
        {
            return Problem(StatusCodes.Status400BadRequest, "BadRequestData", "options", "may only be keyValues (or normalized)");
        }

        var count = limit ?? 100;
        var skip = offset ?? 0;
        if (count is < 1 or > 1000 || skip < 0)
        {
            return Problem(StatusCodes.Status400BadRequest, "BadRequestData", count is < 1 or > 1000 ? "limit" : "offset", "limit is 1 to 1000 and offset is 0 or more");
        }

        JsonArray entities;
        switch (type)
        {
            case "Device":
                var devices = (await grains.QueryDevices(new DeviceQuery())).OrderBy(d => d.Id, StringComparer.Ordinal).Skip(skip).Take(count).ToList();
                var snapshots = await Task.WhenAll(devices.Select(d => grains.GetDevice(d.Kind, d.Id).GetSnapshot()));
                entities = [.. snapshots.OfType<DeviceSnapshot>().Select(s => (JsonNode)DeviceEntity(s, clock.UtcNow, BaseUri(context)))];
                break;
            case "Alert":
                var open = await OpenIncidentsAsync(grains, clock.UtcNow);
                entities = [.. open.OrderByDescending(i => i.OpenedAt).Skip(skip).Take(count).Select(i => (JsonNode)AlertEntity(i, BaseUri(context)))];
                break;
            default:
                return Problem(StatusCodes.Status400BadRequest, "BadRequestData", "type", "is required: Device or Alert");
        }

        return Results.Text((keyValues ? new JsonArray([.. entities.Select(e => (JsonNode)KeyValues(e!.AsObject()))]) : entities).ToJsonString(), LdJson);
    }

    private static async Task<IResult> Get(HttpContext context, string id, string? options, IGrainFactory grains, CityClock clock)
    {
        if (Form(options) is not { } keyValues)
        {
            return Problem(StatusCodes.Status400BadRequest, "BadRequestData", "options", "may only be keyValues (or normalized)");
        }

        IResult Entity(JsonObject entity) => Results.Text((keyValues ? KeyValues(entity) : entity).ToJsonString(), LdJson);

        var local = NgsiLdMapping.LocalId(id);
        if (id.StartsWith("urn:ngsi-ld:Device:", StringComparison.Ordinal) && local.Length <= DeviceRules.MaxIdLength)
        {
            var found = await grains.GetDirectoryFor(local).Find([local]);
            if (!found.IsEmpty && await grains.GetDevice(found[0].Kind, local).GetSnapshot() is { } snapshot)
            {
                return Entity(DeviceEntity(snapshot, clock.UtcNow, BaseUri(context)));
            }

            // Announced, no device yet: the entity as the gateway sent it.
            if (found.IsEmpty && await grains.AnnouncementsFor(local).Get(local) is { Entity: { } announced })
            {
                return Results.Text(announced, LdJson);
            }
        }
        else if (id.StartsWith("urn:ngsi-ld:Alert:", StringComparison.Ordinal) && await grains.GetGrain<IIncidentGrain>(local).GetDetail() is { } incident)
        {
            return Entity(AlertEntity(incident.Summary, BaseUri(context)));
        }

        return Problem(StatusCodes.Status404NotFound, "ResourceNotFound", "id", $"'{id}' is not an entity of this platform (urn:ngsi-ld:Device:<id> or urn:ngsi-ld:Alert:<incident id>)");
    }

    /// <summary>Incidents opened in the last 92 days (the incident list's default window) that have not ended.</summary>
    private static async Task<List<IncidentSummary>> OpenIncidentsAsync(IGrainFactory grains, DateTimeOffset now)
    {
        var since = now.AddDays(-92);
        var months = new List<DateTimeOffset>();
        for (var m = new DateTimeOffset(since.Year, since.Month, 1, 0, 0, 0, TimeSpan.Zero); m <= now; m = m.AddMonths(1))
        {
            months.Add(m);
        }

        return [.. (await grains.QueryIncidents(months, new IncidentQuery(From: since, To: now.AddDays(1)))).Where(s => !IncidentLifecycle.Terminal.Contains(s.Status))];
    }

    /// <summary>True for keyValues, false for normalized (the default), null for anything else.</summary>
    private static bool? Form(string? options) => options switch
    {
        null or "" or "normalized" => false,
        "keyValues" or "simplified" => true,
        _ => null,
    };

    /// <summary>The key-values (simplified) form: each attribute's value alone.</summary>
    public static JsonObject KeyValues(JsonObject normalized)
    {
        var simple = new JsonObject();
        foreach (var (name, attribute) in normalized)
        {
            simple[name] = attribute is JsonObject a && a["type"]?.GetValue<string>() is "Property" or "GeoProperty" or "Relationship"
                ? (a["value"] ?? a["object"])?.DeepClone()
                : attribute?.DeepClone();
        }

        return simple;
    }

    private static string BaseUri(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}";

    /// <summary>NGSI-LD's DateTime: UTC, ISO 8601, milliseconds.</summary>
    public static string DateTimeOf(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static JsonObject Property(JsonNode? value) => new() { ["type"] = "Property", ["value"] = value };

    /// <summary>A device as the Smart Data Models Device, normalized, with its live state.</summary>
    public static JsonObject DeviceEntity(DeviceSnapshot device, DateTimeOffset now, string baseUri)
    {
        var d = device.Definition;
        var entity = new JsonObject
        {
            ["id"] = $"urn:ngsi-ld:Device:{d.Id}",
            ["type"] = "Device",
            ["name"] = Property(d.Name),
            ["deviceCategory"] = Property(new JsonArray(NgsiLdMapping.DeviceCategoryOf(d.Kind))),
            ["controlledProperty"] = Property(new JsonArray([.. NgsiLdMapping.ControlledPropertiesOf(d.Kind).Select(p => (JsonNode)p)])),
            ["configuration"] = Property(new JsonArray([.. ConfigurationOf(d).Select(c => (JsonNode)new JsonObject { ["parameter"] = c.Parameter, ["value"] = c.Value })])),
            ["location"] = new JsonObject { ["type"] = "GeoProperty", ["value"] = new JsonObject { ["type"] = "Point", ["coordinates"] = new JsonArray(d.Location.Longitude, d.Location.Latitude) } },
            ["areaServed"] = Property(d.District),
            ["deviceState"] = Property(device.Status == LifecycleStatus.Decommissioned ? "decommissioned" : device.Connectivity.ToString().ToLowerInvariant()),
        };
        if (device.LastSeen is { } seen)
        {
            entity["dateLastValueReported"] = Property(DateTimeOf(seen));
        }

        // The latest readings, each a Property with its unit and when it was observed.
        foreach (var (metric, reading) in device.LatestReadings.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (metric is "connection" || entity.ContainsKey(metric))
            {
                continue;
            }

            entity[metric] = new JsonObject
            {
                ["type"] = "Property",
                ["value"] = reading.Value,
                ["unitCode"] = reading.Unit,
                ["observedAt"] = DateTimeOf(reading.Timestamp),
            };
        }

        entity["@context"] = new JsonArray(baseUri + ContextPath);
        return entity;
    }

    /// <summary>
    /// A device's settings as the Device model's <c>configuration</c> (parameter and value, both text), by the device
    /// import's column names, so that what is served here onboards the same device elsewhere. A camera's stream address
    /// and a controller's network address are left out: they may hold credentials and are no partner's business.
    /// </summary>
    public static IEnumerable<(string Parameter, string Value)> ConfigurationOf(DeviceDefinition d)
    {
        static string N(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        var all = new List<(string, string?)>
        {
            ("zone", d.Zone),
            ("heartbeatSeconds", N(d.HeartbeatInterval.TotalSeconds)),
        };
        if (d.Camera is { } camera)
        {
            all.AddRange([("bearingDegrees", camera.BearingDegrees is { } b ? N(b) : null), ("fieldOfViewDegrees", camera.FieldOfViewDegrees is { } f ? N(f) : null), ("rangeMeters", camera.RangeMeters is { } r ? N(r) : null)]);
        }

        if (d.TrafficSignal is { } signal)
        {
            all.Add(("cycleSeconds", N(signal.CycleSeconds)));
        }

        if (d.GasSensor is { } gas)
        {
            all.AddRange([
                ("gas", gas.Gas), ("unit", gas.Unit), ("low", gas.Low is { } low ? N(low) : null), ("high", gas.High is { } high ? N(high) : null),
                ("twa", gas.Twa is { } twa ? N(twa) : null), ("stel", gas.Stel is { } stel ? N(stel) : null), ("fullScale", gas.FullScale is { } fs ? N(fs) : null),
                ("rateOfRisePerMinute", gas.RateOfRisePerMinute is { } rr ? N(rr) : null), ("deadbandPercent", gas.DeadbandPercent is { } db ? N(db) : null),
                ("delayOnSeconds", gas.DelayOnSeconds is { } delay ? N(delay) : null), ("flatlineMinutes", gas.FlatlineMinutes is { } flat ? N(flat) : null),
            ]);
        }

        if (d.FloodSensor is { } flood)
        {
            all.AddRange([("referenceLevel", N(flood.ReferenceLevel)), ("alertLevel", N(flood.AlertLevel)), ("dangerLevel", N(flood.DangerLevel)), ("rateOfRisePerHour", flood.RateOfRisePerHour is { } rise ? N(rise) : null)]);
        }

        if (d.WarningDevice is { } warning)
        {
            all.AddRange([("warningType", warning.Type.ToString()), ("warningRangeMeters", N(warning.RangeMeters))]);
        }

        return all.Where(c => !string.IsNullOrEmpty(c.Item2)).Select(c => (c.Item1, c.Item2!));
    }

    /// <summary>An open incident as the Smart Data Models Alert, normalized.</summary>
    public static JsonObject AlertEntity(IncidentSummary incident, string baseUri)
    {
        var (category, subCategory) = NgsiLdMapping.CategoryOf(incident.Type);
        var entity = new JsonObject
        {
            ["id"] = $"urn:ngsi-ld:Alert:{incident.Id}",
            ["type"] = "Alert",
            ["category"] = Property(category),
            ["severity"] = Property(NgsiLdMapping.SeverityOf(incident.Priority)),
            ["description"] = Property(incident.Title),
            ["alertSource"] = Property($"{baseUri}/incidents/{incident.Id}"),
            ["dateIssued"] = Property(DateTimeOf(incident.OpenedAt)),
            ["validFrom"] = Property(DateTimeOf(incident.OpenedAt)),
            ["location"] = new JsonObject { ["type"] = "GeoProperty", ["value"] = new JsonObject { ["type"] = "Point", ["coordinates"] = new JsonArray(incident.Location.Longitude, incident.Location.Latitude) } },
        };
        if (subCategory is not null)
        {
            entity["subCategory"] = Property(subCategory);
        }

        entity["@context"] = new JsonArray(baseUri + ContextPath);
        return entity;
    }

    private static async Task<(JsonDocument? Body, IResult? Error)> ReadAsync(HttpContext context, CancellationToken ct)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = MaxBytes;
        }

        var mediaType = context.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType is not ("application/json" or LdJson))
        {
            return (null, Problem(StatusCodes.Status415UnsupportedMediaType, "BadRequestData", "Content-Type", "must be application/json or application/ld+json"));
        }

        if (context.Request.ContentLength > MaxBytes)
        {
            return (null, Problem(StatusCodes.Status413PayloadTooLarge, "RequestEntityTooLarge", "body", $"is larger than {MaxBytes} bytes"));
        }

        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, ct);
            var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
            try
            {
                StrictUtf8.GetCharCount(bytes.Span);
            }
            catch (DecoderFallbackException ex)
            {
                return (null, Problem(StatusCodes.Status400BadRequest, "InvalidRequest", "body", $"is not valid UTF-8 (byte {ex.Index + 1})"));
            }

            return (JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 32 }), null);
        }
        catch (JsonException ex)
        {
            return (null, Problem(StatusCodes.Status400BadRequest, "InvalidRequest", "body", $"is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})"));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problem(StatusCodes.Status413PayloadTooLarge, "RequestEntityTooLarge", "body", $"is larger than {MaxBytes} bytes"));
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static NgsiProblem Bad(string type, string field, string rule) => new(ErrorBase + type, $"{field}: {rule}", $"{field} {rule}");

    private static IResult Problem(int status, string type, string field, string rule) => Problem(status, Bad(type, field, rule));

    private static IResult Problem(int status, NgsiProblem problem) =>
        Results.Problem(title: problem.Title, detail: problem.Detail, type: problem.Type, statusCode: status);
}
